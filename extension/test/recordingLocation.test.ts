// Unit tests of where default recordings go (configuration/recordingLocation.ts) under plain Node, in a
// temporary folder. Run: `npx tsc -p . && node --test out/extension/test/`.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';

test('default recordings get a fresh name in the storage folder and old ones are pruned', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { newRecordingPath, pruneRecordings, recordingsDir } = await import('../configuration/recordingLocation');
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'wcf-ext-test-'));
  try {
    const when = new Date(2026, 10, 22, 5, 7, 9);
    const first = newRecordingPath(storage, '/w/my prog.py', when);
    assert.equal(first, path.join(storage, 'recordings', 'my_prog-20261122-050709.wcf'));
    fs.writeFileSync(first, '');
    const second = newRecordingPath(storage, '/w/my prog.py', when);
    assert.equal(path.basename(second), 'my_prog-20261122-050709-2.wcf');
    const dir = recordingsDir(storage);
    for (let i = 0; i < 5; i++) {
      const f = path.join(dir, `r${i}.wcf`);
      fs.writeFileSync(f, '');
      fs.writeFileSync(`${f}-wal`, '');
      fs.utimesSync(f, 1000 + i, 1000 + i); // r0 oldest
    }
    const removed = pruneRecordings(dir, 3).map((f) => path.basename(f)).sort();
    assert.deepEqual(removed, ['r0.wcf', 'r1.wcf', 'r2.wcf']);
    assert.equal(fs.existsSync(path.join(dir, 'r0.wcf-wal')), false);
    assert.deepEqual(fs.readdirSync(dir).filter((n) => n.endsWith('.wcf')).sort(), ['my_prog-20261122-050709.wcf', 'r3.wcf', 'r4.wcf']);
  } finally {
    fs.rmSync(storage, { recursive: true, force: true });
  }
});
