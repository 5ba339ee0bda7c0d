// Resolves the `# @name` markers of a fixture program to 1-based line numbers, so no test hard-codes a
// line number. Must not read anything but the fixture's source text.
import * as fs from 'fs';
import * as path from 'path';
import { programsDir } from './paths';

const MARKER = /#\s*@([A-Za-z_][A-Za-z0-9_]*)\s*$/;

/** A fixture program with its markers: `line('add_body')` is the 1-based line carrying `# @add_body`. */
export class MarkedProgram {
  private readonly lineByName = new Map<string, number>();
  private readonly nameByLine = new Map<number, string>();
  readonly lineCount: number;

  constructor(readonly path: string, source: string) {
    const lines = source.split(/\r?\n/);
    this.lineCount = lines.length;
    lines.forEach((text, index) => {
      const match = MARKER.exec(text);
      if (!match) {
        return;
      }
      const name = match[1];
      if (this.lineByName.has(name)) {
        throw new Error(`${path}: marker @${name} appears twice (lines ${this.lineByName.get(name)} and ${index + 1})`);
      }
      this.lineByName.set(name, index + 1);
      this.nameByLine.set(index + 1, name);
    });
  }

  get basename(): string {
    return path.basename(this.path);
  }

  /** The line number of marker `name`; throws listing the known markers when it does not exist. */
  line(name: string): number {
    const line = this.lineByName.get(name);
    if (line === undefined) {
      throw new Error(`${this.path} has no marker @${name}; known: ${[...this.lineByName.keys()].join(', ')}`);
    }
    return line;
  }

  /** `@name` for a marked line, `L<n>` for an unmarked one: how dumps print lines. */
  label(line: number): string {
    const name = this.nameByLine.get(line);
    return name === undefined ? `L${line}` : `@${name}`;
  }

  markerNames(): string[] {
    return [...this.lineByName.keys()];
  }
}

const cache = new Map<string, MarkedProgram>();

/** Loads a fixture from test/dap/programs by file name (e.g. `basics.py`). */
export function program(fileName: string): MarkedProgram {
  let loaded = cache.get(fileName);
  if (!loaded) {
    const file = path.join(programsDir(), fileName);
    loaded = new MarkedProgram(file, fs.readFileSync(file, 'utf8'));
    cache.set(fileName, loaded);
  }
  return loaded;
}

/** Prints `path:line` as `file.py:@marker` for any fixture path, or keeps it as is for other files. */
export function locationLabel(filePath: string | undefined, line: number): string {
  if (!filePath) {
    return `<no source>:L${line}`;
  }
  const fixture = path.dirname(filePath) === programsDir() ? program(path.basename(filePath)) : undefined;
  return fixture ? `${fixture.basename}:${fixture.label(line)}` : `${path.basename(filePath)}:L${line}`;
}
