# The record CLI's buffer tracking options (--buffers, --buffer-full-limit, --buffer-diff-limit,
# --buffer-diff-huge, --buffer-snapshots): each reaches the tracker, shows in meta.buffers and changes the rows.
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import unittest

from .buffer_session import NATIVE_DIR, np

PYTHON = os.environ.get("WCF_TEST_PYTHON") or sys.executable
PROGRAM = """
import numpy as np
a = np.zeros(64, dtype=np.float64)
a[3] = 1.5
a[10:12] += 2
print(float(a.sum()))
"""


def record(options, folder):
    program = os.path.join(folder, "prog.py")
    with open(program, "w", encoding="utf-8") as source:
        source.write(PROGRAM)
    out = os.path.join(folder, "prog.wcf")
    completed = subprocess.run([PYTHON, "-m", "watercodeflow", "record", "--out", out] + options + ["--", program],
                               env=dict(os.environ, PYTHONPATH=NATIVE_DIR), capture_output=True, text=True,
                               timeout=120)
    return completed, out


def rows(out):
    connection = sqlite3.connect(out)
    try:
        kinds = dict(connection.execute("SELECT kind, count(*) FROM buffer_writes GROUP BY kind"))
        meta = json.loads(connection.execute("SELECT value FROM meta WHERE key = 'buffers'").fetchone()[0])
    finally:
        connection.close()
    return kinds, meta


@unittest.skipIf(np is None, "numpy is not installed for %s" % sys.executable)
class BufferOptionsTest(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="wcf-buffer-options-")

    def test_defaults_copy_small_buffers_whole(self):
        completed, out = record([], self.folder)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        kinds, meta = rows(out)
        self.assertEqual(meta, {"tracking": True, "fullCopyLimit": 102400, "diffLimit": 10485760, "diffHuge": False,
                                "snapshots": "always"})
        self.assertEqual(kinds.get("full"), 2, kinds)  # the two writes, each a whole copy of the 512 bytes
        self.assertEqual(kinds.get("snapshot"), 1, kinds)

    def test_off_records_no_buffer_rows(self):
        completed, out = record(["--buffers", "off"], self.folder)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        kinds, meta = rows(out)
        self.assertEqual((kinds, meta["tracking"]), ({}, False))

    def test_a_zero_full_copy_limit_stores_changed_ranges(self):
        completed, out = record(["--buffer-full-limit", "0"], self.folder)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        kinds, _ = rows(out)
        self.assertNotIn("full", kinds)
        self.assertGreaterEqual(kinds.get("diff", 0), 2, kinds)

    def test_a_zero_diff_limit_stores_fingerprints_unless_diffs_are_asked_for(self):
        completed, out = record(["--buffer-full-limit", "0", "--buffer-diff-limit", "0"], self.folder)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        kinds, _ = rows(out)
        self.assertGreaterEqual(kinds.get("fingerprint", 0), 1, kinds)
        self.assertNotIn("diff", kinds)
        completed, out = record(["--buffer-full-limit", "0", "--buffer-diff-limit", "0", "--buffer-diff-huge"],
                                self.folder)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        kinds, meta = rows(out)
        self.assertTrue(meta["diffHuge"])
        self.assertGreaterEqual(kinds.get("diff", 0), 2, kinds)

    def test_bad_values_are_usage_errors(self):
        for options in (["--buffers", "maybe"], ["--buffer-snapshots", "sometimes"], ["--buffer-full-limit", "-1"],
                        ["--buffer-diff-huge=yes"]):
            completed, out = record(options, self.folder)
            self.assertEqual(completed.returncode, 2, (options, completed.stderr))
            self.assertIn("error:", completed.stderr)
            self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main()
