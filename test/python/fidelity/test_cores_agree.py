# The C core and the pure-Python core are twins: for the same program they must write the same recording, as
# far as a reader can tell. Compares their JSONL exports (every variable change, value and delta, in order)
# with run-dependent texts normalised (addresses, thread idents). Skips with the reason where no C core loads.
from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_fidelity import NATIVE_DIR, PROGRAMS_DIR, PYTHON  # noqa: E402

# twin_programs/ holds programs the naive reference cannot judge (it calls repr(), the recorder never does); the
# rest are the reference's own programs (programs/).
TWIN_PROGRAMS_DIR = os.path.join(HERE, "twin_programs")
PROGRAMS = ("kitchen_sink.py", "hidden_dict_writes.py", "aliasing.py", "containers.py", "classes.py", "closures.py",
            "comprehensions.py", "control_flow.py", "coroutines.py", "exceptions.py", "exceptions_finally.py",
            "generators.py", "globals_prog.py", "hidden_writes.py", "item_updates.py", "limits.py", "recursion.py",
            "scalars.py")
# Twin programs that need a library the interpreter may lack: (program, module it imports).
LIBRARY_PROGRAMS = (("torch_tensors.py", "torch"),)
_ADDRESS = re.compile(r"0x[0-9a-f]+")
# Thread idents and native ids differ between two runs of one program.
_RUN_DEPENDENT_KEYS = ("_ident", "_native_id")


def c_core_reason():
    """None when the C core loads for the interpreter under test, else why not."""
    probe = subprocess.run([PYTHON, "-c", "import sys; sys.path.insert(0, %r); from watercodeflow.recorder_c "
                            "import core_unavailable_reason as r; print(r(None) or '')" % NATIVE_DIR],
                           capture_output=True, text=True)
    return probe.stdout.strip() or (None if probe.returncode == 0 else probe.stderr.strip()[-300:])


def normalised_events(recording):
    exported = subprocess.run([PYTHON, "-m", "watercodeflow", "export", recording, "--format", "jsonl"],
                              env=dict(os.environ, PYTHONPATH=NATIVE_DIR), capture_output=True, text=True,
                              timeout=120)
    if exported.returncode != 0:
        raise AssertionError("export failed: %s" % exported.stderr)
    events = []
    for line in exported.stdout.splitlines():
        event = json.loads(line)
        del event["event_id"], event["timestamp_ns"]
        event["deltas"] = [d for d in event["deltas"] if d.get("key") not in _RUN_DEPENDENT_KEYS]
        text = json.dumps(event, sort_keys=True)
        text = re.sub(r"_ident=\d+|_native_id=\d+", "_ident=?", _ADDRESS.sub("0x?", text))
        events.append(text)
    return events


def notices(recording):
    """The recording's notices (what was cut, skipped or not tracked), addresses normalised."""
    conn = sqlite3.connect(recording)
    try:
        return [(kind, _ADDRESS.sub("0x?", message)) for kind, message in
                conn.execute("SELECT kind, message FROM notices ORDER BY rowid")]
    finally:
        conn.close()


def record(program, out, core, mode):
    env = dict(os.environ, PYTHONPATH=NATIVE_DIR, PYTHONHASHSEED="0", WATERCODEFLOW_RECORDER=core)
    completed = subprocess.run([PYTHON, "-m", "watercodeflow", "record", "--mode", mode, "--out", out, "--",
                                program], cwd=os.path.dirname(program), env=env, capture_output=True, timeout=180)
    if completed.returncode not in (0, 402 & 0xFF):
        raise AssertionError("%s core, %s: exit %d: %s" % (core, os.path.basename(program), completed.returncode,
                                                            completed.stderr.decode(errors="replace")[-2000:]))


def missing_module_reason(module):
    """None when PYTHON imports `module`, else why not."""
    probe = subprocess.run([PYTHON, "-c", "import %s" % module], capture_output=True, text=True)
    return None if probe.returncode == 0 else "%s does not import for %s" % (module, PYTHON)


REASON = c_core_reason()


@unittest.skipIf(REASON, "no C core for %s: %s" % (PYTHON, REASON))
class CoresAgreeTest(unittest.TestCase):
    def test_both_cores_record_the_same_changes(self):
        self.compare(PROGRAMS)

    def test_both_cores_record_the_same_library_objects(self):
        for name, module in LIBRARY_PROGRAMS:
            with self.subTest(program=name):
                missing = missing_module_reason(module)
                if missing:
                    self.skipTest(missing)
                self.compare((name,))

    def compare(self, names):
        folder = tempfile.mkdtemp(prefix="wcf-twins-")
        for name in names:
            for mode in ("balanced", "deep"):
                with self.subTest(program=name, mode=mode):
                    twin = os.path.join(TWIN_PROGRAMS_DIR, name)
                    program = twin if os.path.exists(twin) else os.path.join(PROGRAMS_DIR, name)
                    streams, said = {}, {}
                    for core in ("c", "python"):
                        out = os.path.join(folder, "%s-%s-%s.wcf" % (name, mode, core))
                        record(program, out, core, mode)
                        streams[core] = normalised_events(out)
                        said[core] = notices(out)
                    self.assertEqual(said["c"], said["python"], "%s (%s): notices" % (name, mode))
                    self.assertTrue(streams["c"], "%s recorded no variable changes" % name)
                    for index, (c_event, py_event) in enumerate(zip(streams["c"], streams["python"])):
                        self.assertEqual(c_event, py_event, "%s (%s): event %d differs" % (name, mode, index))
                    self.assertEqual(len(streams["c"]), len(streams["python"]), "%s (%s): event counts" % (name, mode))


if __name__ == "__main__":
    unittest.main()
