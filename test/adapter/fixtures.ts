// Test fixtures: small simulated programs recorded with RecordingBuilder; line numbers and step numbers
// are documented next to each event so tests can name them. Test-only.
import { RecordingBuilder } from './recording-builder';

export const ADD_PROGRAM_PATH = '/tmp/wcf-fixture/add_program.py';
/**
 *  1 def add(a, b):
 *  2     s = a + b
 *  3     return s
 *  5 x = 1
 *  6 y = add(x, 2)
 *  7 items = [x, y]
 *  8 items.append(9)
 *  9 print(y)
 */
export const ADD_STEPS = {
  moduleCall: 0, defLine: 1, xLine: 2, callLine: 3, addCall: 4, addLine2: 5, addLine3: 6, addReturn: 7,
  itemsLine: 8, appendLine: 9, printLine: 10, moduleReturn: 11,
};

export function buildAddProgram(): RecordingBuilder {
  const b = new RecordingBuilder();
  const file = b.file(ADD_PROGRAM_PATH);
  const mod = b.code(file, '<module>', 1);
  const add = b.code(file, 'add', 1);
  const m = b.enter(mod, 1); // 0
  b.line(m, 1); // 1
  b.set(m, 'add', b.opaque('function', '<function add>'), 'globals');
  b.line(m, 5); // 2
  b.set(m, 'x', b.int(1), 'globals');
  b.line(m, 6); // 3
  const f = b.enter(add, 1); // 4
  b.set(f, 'a', b.int(1), 'locals', 4);
  b.set(f, 'b', b.int(2), 'locals', 4);
  b.line(f, 2); // 5
  b.set(f, 's', b.int(3));
  b.line(f, 3); // 6
  b.leave(f, 3, b.int(3)); // 7
  b.set(m, 'y', b.int(3), 'globals');
  b.line(m, 7); // 8
  const items = b.object('list', 'list', [[0, b.int(1)], [1, b.int(3)]]);
  b.set(m, 'items', items, 'globals');
  b.line(m, 8); // 9
  b.mutate(items, [[0, b.int(1)], [1, b.int(3)], [2, b.int(9)]]);
  b.line(m, 9); // 10
  b.output('stdout', '3\n');
  b.leave(m, 9); // 11
  return b;
}
