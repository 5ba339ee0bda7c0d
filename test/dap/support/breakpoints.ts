// Small builders for breakpoint requests on marked fixture lines, and a check that a breakpoint got verified
// (in its response or by a later `breakpoint` event). Must not assert anything.
import { DebugProtocol } from '@vscode/debugprotocol';
import { MarkedProgram } from './markers';
import { AdapterSession } from './session';

export interface LineBreakpoint {
  marker: string;
  condition?: string;
  hitCondition?: string;
  logMessage?: string;
}

export async function setLineBreakpoints(
  session: AdapterSession,
  fixture: MarkedProgram,
  breakpoints: Array<string | LineBreakpoint>,
): Promise<DebugProtocol.Breakpoint[]> {
  const specs = breakpoints.map((bp) => (typeof bp === 'string' ? { marker: bp } : bp));
  const body = await session.request('setBreakpoints', {
    source: { path: fixture.path, name: fixture.basename },
    breakpoints: specs.map(({ marker, ...rest }) => ({ line: fixture.line(marker), ...rest })),
    lines: specs.map(({ marker }) => fixture.line(marker)),
    sourceModified: false,
  });
  return body.breakpoints;
}

export async function setFunctionBreakpoints(session: AdapterSession, names: string[]): Promise<DebugProtocol.Breakpoint[]> {
  const body = await session.request('setFunctionBreakpoints', {
    breakpoints: names.map((name) => ({ name })),
  });
  return body.breakpoints;
}

export async function setExceptionFilters(session: AdapterSession, filters: string[]): Promise<void> {
  await session.request('setExceptionBreakpoints', { filters });
}

/**
 * True when the breakpoint is verified, in the response or by a later `breakpoint` event (an adapter may set
 * breakpoints before the recording is open and verify them once it is, as DAP allows).
 */
export async function isVerified(session: AdapterSession, breakpoint: DebugProtocol.Breakpoint, waitMs = 5000): Promise<boolean> {
  const verifiedByEvent = () => session.events.some((event) =>
    event.event === 'breakpoint' && event.body.breakpoint?.id === breakpoint.id && event.body.breakpoint?.verified === true);
  if (breakpoint.verified || verifiedByEvent()) {
    return true;
  }
  if (breakpoint.id === undefined) {
    return false;
  }
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (verifiedByEvent()) {
      return true;
    }
  }
  return false;
}
