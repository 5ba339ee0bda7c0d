// Moves and reads shared by the buffer DAP tests (numpy arrays, torch tensors): go to a marked line of a fixture
// and read a local there. Must not hold expectations of its own.
import * as assert from 'node:assert/strict';
import { DebugProtocol } from '@vscode/debugprotocol';
import { MarkedProgram } from './markers';
import { AdapterSession } from './session';

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
