// Text dumps of the debugger state (stack, scopes, variables) with ids and addresses normalised, for golden
// files and for comparing two visits of one state. Must not decide what is correct: tests do.
import { DebugProtocol } from '@vscode/debugprotocol';
import { locationLabel } from './markers';
import { AdapterSession } from './session';

export interface DumpOptions {
  /** How many levels of children to expand below each scope variable (0: none). */
  expandDepth?: number;
  /** Scopes to include, by name (case-insensitive); default: all non-expensive scopes. */
  scopes?: string[];
  /** Frames whose variables are dumped, by index in the stack (default: only the top frame). */
  frames?: number[];
  /** At most this many children per expanded container (all when unset). */
  maxChildren?: number;
}

const ADDRESS = /0x[0-9a-fA-F]+/g;

export function normaliseValue(value: string): string {
  return value.replace(ADDRESS, '0x…');
}

/** `[3]` and `3` are the same child name; dumps print the bare form. */
export function normaliseChildName(name: string): string {
  const bracketed = /^\[(.*)\]$/.exec(name);
  return bracketed ? bracketed[1] : name;
}

export async function dumpStack(session: AdapterSession, threadId = session.threadId): Promise<string[]> {
  const frames = await session.stackTrace(threadId);
  return frames.map((frame, index) => `#${index} ${frame.name}  ${locationLabel(frame.source?.path, frame.line)}`);
}

async function dumpVariables(
  session: AdapterSession,
  reference: number,
  indent: string,
  depth: number,
  options: DumpOptions,
  sortByName: boolean,
): Promise<string[]> {
  let variables = await session.variables(reference);
  if (sortByName) {
    variables = [...variables].sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
  }
  // Virtual entries (debugpy-style `len()`, group nodes) are presentation, not program state: not dumped.
  variables = variables.filter((variable) => variable.presentationHint?.kind !== 'virtual');
  if (options.maxChildren !== undefined && !sortByName) {
    variables = variables.slice(0, options.maxChildren);
  }
  const lines: string[] = [];
  for (const variable of variables) {
    const name = sortByName ? variable.name : normaliseChildName(variable.name);
    const expandable = variable.variablesReference > 0;
    lines.push(`${indent}${name} = ${normaliseValue(variable.value)}${expandable ? ' ▸' : ''}`);
    if (expandable && depth > 0) {
      lines.push(...(await dumpVariables(session, variable.variablesReference, indent + '  ', depth - 1, options, false)));
    }
  }
  return lines;
}

export async function dumpFrameScopes(
  session: AdapterSession,
  frame: DebugProtocol.StackFrame,
  options: DumpOptions = {},
): Promise<string[]> {
  const wanted = options.scopes?.map((name) => name.toLowerCase());
  const scopes = (await session.scopes(frame.id)).filter((scope) =>
    wanted ? wanted.includes(scope.name.toLowerCase()) : !scope.expensive,
  );
  const lines: string[] = [];
  for (const scope of scopes) {
    lines.push(`  ${scope.name}:`);
    lines.push(...(await dumpVariables(session, scope.variablesReference, '    ', options.expandDepth ?? 0, options, true)));
  }
  return lines;
}

/** Stack plus the scopes of the chosen frames, one line per item, ids and addresses normalised. */
export async function dumpState(session: AdapterSession, options: DumpOptions = {}): Promise<string> {
  const frames = await session.stackTrace();
  const lines = frames.map((frame, index) => `#${index} ${frame.name}  ${locationLabel(frame.source?.path, frame.line)}`);
  for (const index of options.frames ?? [0]) {
    const frame = frames[index];
    if (!frame) {
      lines.push(`(no frame #${index})`);
      continue;
    }
    lines.push(`variables of #${index}:`);
    lines.push(...(await dumpFrameScopes(session, frame, options)));
  }
  return lines.join('\n');
}
