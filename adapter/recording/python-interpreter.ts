// Checks the configured Python interpreter before recording: that it exists and is CPython >= 3.8, by
// running `python -c` (never the user's program). Must not start the recorder.
import { execFile } from 'child_process';
import { UserError } from '../common/user-error';

export const MINIMUM_PYTHON: [number, number] = [3, 8];

export interface PythonInfo { version: [number, number, number]; executable: string }

export function checkPython(python: string, env: NodeJS.ProcessEnv): Promise<PythonInfo> {
  // Valid Python 2 and 3, so that an old interpreter is reported by its version rather than a syntax error.
  const probe = "import sys; sys.stdout.write('%d %d %d %s\\n' % (sys.version_info[0], sys.version_info[1], sys.version_info[2], sys.executable))";
  return new Promise((resolve, reject) => {
    execFile(python, ['-c', probe], { env, timeout: 20000 }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          return reject(new UserError(`Python interpreter "${python}" was not found. Install Python 3.8 or newer, or set "python" in launch.json to its path.`));
        }
        if (code === 'EACCES') return reject(new UserError(`Python interpreter "${python}" is not executable; check "python" in launch.json.`));
        return reject(new UserError(`Python interpreter "${python}" failed to start: ${(stderr || err.message).trim()}. Set "python" in launch.json to a working interpreter.`));
      }
      const m = /^(\d+) (\d+) (\d+) (.*)$/m.exec(stdout.trim());
      // An interpreter too old for the probe may still print a banner such as "Python 2.7.18".
      const banner = m ? undefined : /Python (\d+)\.(\d+)(?:\.(\d+))?/.exec(`${stdout}\n${stderr}`);
      if (!m && !banner) return reject(new UserError(`"${python}" does not look like a Python interpreter (it printed: ${stdout.trim().slice(0, 100)}).`));
      const parts = m ?? banner!;
      const version: [number, number, number] = [Number(parts[1]), Number(parts[2]), Number(parts[3] ?? 0)];
      if (version[0] < MINIMUM_PYTHON[0] || (version[0] === MINIMUM_PYTHON[0] && version[1] < MINIMUM_PYTHON[1])) {
        return reject(new UserError(`Python ${version.join('.')} ("${python}") is too old: WaterCodeFlow needs Python ${MINIMUM_PYTHON.join('.')} or newer. Set "python" in launch.json to a newer interpreter.`));
      }
      if (!m) return reject(new UserError(`"${python}" (Python ${version.join('.')}) could not run the version probe; set "python" in launch.json to a Python 3.8+ interpreter.`));
      resolve({ version, executable: m[4] });
    });
  });
}
