// Unit test of opening a recording whose recorder was killed inside a commit: the adapter rolls the unfinished
// commit back (SQLite's rollback journal) and reads everything up to the last finished commit.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadRecording } from '../../adapter/timeline/load-recording';
import { buildAddProgram } from './fixtures';
import { referencePython } from './python';

const python = referencePython();
// test/python/recorder/interrupt_commit.py: begins a commit that spills into the file, then SIGKILLs itself.
const HELPER = path.resolve(__dirname, '..', '..', '..', 'test', 'python', 'recorder', 'interrupt_commit.py');
const JOURNAL_MAGIC = 'd9d505f920a163d7';
const skip = python ? false : 'no CPython >= 3.8 found to run the interrupting helper';

test('a recording left half-written by a kill inside a commit opens at its last finished commit', { skip }, async () => {
  const file = await buildAddProgram().write();
  const before = await loadRecording(file);
  const size = fs.statSync(file).size;
  assert.throws(() => execFileSync(python!, [HELPER, file], { stdio: 'pipe' }),
    (err: { signal?: string }) => err.signal === 'SIGKILL', 'the helper dies by SIGKILL inside the commit');
  assert.equal(fs.readFileSync(`${file}-journal`).subarray(0, 8).toString('hex'), JOURNAL_MAGIC, 'a live journal');
  assert.ok(fs.statSync(file).size > size + (1 << 20), 'part of the unfinished commit is in the file');

  const after = await loadRecording(file);
  assert.equal(after.meta.get('status'), before.meta.get('status'));
  assert.equal(after.stepCount, before.stepCount);
  assert.equal(fs.statSync(file).size, size);
  assert.equal(fs.existsSync(`${file}-journal`), false, 'rolled back and removed');
});
