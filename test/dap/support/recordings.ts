// Shares one recording of a fixture between the tests of one test file: the first caller records it through
// the adapter (launch with `recording`), later sessions open it with `replay`. Must not write recordings itself.
import * as fs from 'fs';
import * as path from 'path';
import { AdapterSession, LaunchArgs, Stop, withSession } from './session';
import { scratchDir } from './paths';

const recordings = new Map<string, Promise<string>>();
let directory: string | undefined;

function recordingsDir(): string {
  directory ??= scratchDir('recordings');
  return directory;
}

/** The path of a recording of `fixture` (made once per test process) with the given launch options. */
export function sharedRecording(fixture: string, options: LaunchArgs = {}): Promise<string> {
  const key = `${fixture} ${JSON.stringify(options)}`;
  let pending = recordings.get(key);
  if (!pending) {
    const file = path.join(recordingsDir(), `${path.basename(fixture, '.py')}-${recordings.size}.wcf`);
    pending = withSession(async (session) => {
      await session.launch(AdapterSession.launchArgsFor(fixture, { ...options, recording: file }));
      if (!fs.existsSync(file)) {
        throw new Error(`launch with recording=${file} succeeded but no file was written there`);
      }
      return file;
    }).catch((error: Error) => {
      throw new Error(`could not record ${fixture} to share it between tests: ${error.message}`);
    });
    recordings.set(key, pending);
  }
  return pending;
}

/** Opens a shared recording of `fixture` in a new session (configure sets breakpoints); returns the first stop. */
export async function replay(
  session: AdapterSession,
  fixture: string,
  configure?: (session: AdapterSession) => Promise<void>,
  options: LaunchArgs = {},
  replayOptions: LaunchArgs = {},
): Promise<Stop> {
  const file = await sharedRecording(fixture, options);
  return session.launch(AdapterSession.launchArgsFor(undefined, { replay: file, ...replayOptions }), configure);
}
