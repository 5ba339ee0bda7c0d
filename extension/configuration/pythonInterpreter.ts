// Chooses the Python interpreter for a recording: launch.json `python`, else the Python extension's selected
// interpreter, else `python3` on PATH; checks it exists. It must not start the program or change settings.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';

const PYTHON_EXTENSION_ID = 'ms-python.python';
export const DEFAULT_PYTHON = 'python3';

interface PythonExtensionApi {
  environments?: { getActiveEnvironmentPath?(resource?: vscode.Uri): { path?: string } | undefined };
  settings?: { getExecutionDetails?(resource?: vscode.Uri): { execCommand?: string[] } | undefined };
}

/** The interpreter selected in the Python extension, if that extension is installed and has one. */
export async function selectedPythonInterpreter(resource: vscode.Uri | undefined): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
  if (!ext) return undefined;
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    const fromEnvironments = api?.environments?.getActiveEnvironmentPath?.(resource)?.path;
    if (fromEnvironments) return fromEnvironments;
    const execCommand = api?.settings?.getExecutionDetails?.(resource)?.execCommand;
    if (execCommand && execCommand.length > 0) return execCommand[0];
  } catch (err) {
    console.warn(`WaterCodeFlow: could not ask the Python extension for its interpreter: ${String(err)}`);
  }
  return undefined;
}

/** Absolute path of `command` (a path, or a name looked up on PATH), or undefined when it is not there. */
export function locateExecutable(command: string, envPath = process.env.PATH ?? ''): string | undefined {
  if (command.includes('/') || command.includes(path.sep)) {
    return isExecutableFile(command) ? path.resolve(command) : undefined;
  }
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(file: string): boolean {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) return false;
    if (process.platform !== 'win32') fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The message for a missing interpreter: says what was tried and how to set `python`. */
export function missingInterpreterMessage(python: string, source: 'launch.json' | 'Python extension' | 'default'): string {
  const origin =
    source === 'launch.json' ? 'set by "python" in launch.json'
    : source === 'Python extension' ? 'selected in the Python extension'
    : `the default, "${DEFAULT_PYTHON}" on PATH`;
  return `WaterCodeFlow: the Python interpreter "${python}" (${origin}) was not found. ` +
    'Set "python" in your launch configuration to the full path of a Python 3.8+ interpreter ' +
    '(for example "/usr/bin/python3"), or select one with "Python: Select Interpreter".';
}
