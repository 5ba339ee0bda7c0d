// Set-up, moves and reads shared by the buffer DAP tests (numpy arrays, torch tensors): a fixture recorded once
// with the interpreter that has the library, a marked line of it to go to, a local there. Must not hold
// expectations of its own.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DebugProtocol } from '@vscode/debugprotocol';
import { MarkedProgram, program } from './markers';
import { NUMPY_PYTHON, scratchDir } from './paths';
import { replay, sharedRecording } from './recordings';
import { AdapterSession, LaunchArgs } from './session';

export interface BufferFixture<Snaps> {
  fixture: MarkedProgram;
  /** Why the tests skip (the library is missing), or false. */
  skip: string | false;
  /** The program's own values at its `snap` lines, as it wrote them (JSON) while being recorded. */
  snaps(): Promise<Snaps>;
  /** Opens the shared recording in `session`, stopped at step 0 (`extra` launch fields: another recording). */
  open(session: AdapterSession, extra?: LaunchArgs): Promise<void>;
}

/** `file` (a fixture taking the path of its snaps JSON as its argument) recorded once in deep mode with
 *  NUMPY_PYTHON, unless `skipReason` says the library it needs is missing. */
export function bufferFixture<Snaps>(file: string, skipReason: string | undefined, label: string): BufferFixture<Snaps> {
  const options: LaunchArgs = skipReason ? {} : { python: NUMPY_PYTHON, mode: 'deep', args: [path.join(scratchDir(label), 'snaps.json')] };
  return {
    fixture: program(file),
    skip: skipReason ?? false,
    async snaps() {
      await sharedRecording(file, options);
      return JSON.parse(fs.readFileSync(options.args![0], 'utf8')) as Snaps;
    },
    async open(session, extra = {}) {
      await replay(session, file, undefined, { ...options, ...extra }, { stopOnEntry: true });
    },
  };
}

/** Moves to the (first) step of a marked line: the state before that line runs. */
export async function gotoLine(session: AdapterSession, fixture: MarkedProgram, marker: string): Promise<number> {
  const hits = await session.request('timeline/lineHits', { path: fixture.path, line: fixture.line(marker) });
  assert.ok(hits.steps.length > 0, `@${marker} ran`);
  await session.move('gotoStep', { step: hits.steps[0] });
  return hits.steps[0];
}

/** A local of the top frame at the current stop. */
export async function local(session: AdapterSession, name: string): Promise<DebugProtocol.Variable> {
  const v = (await session.scopeVariables((await session.topFrame()).id)).get(name);
  assert.ok(v, `${name} is a local here`);
  return v!;
}
