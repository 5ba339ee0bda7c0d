# Test helpers: run the recorder on a program in a subprocess and read the recording back with plain SQL, on the
# v1-layout copy watercodeflow's expand() makes (docs/recording-format.md); no other part of watercodeflow's reader.
import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
NATIVE_DIR = os.path.join(REPO_ROOT, "native")
PROGRAMS = os.path.join(HERE, "programs")
# The interpreter under test; CI runs the suite once per interpreter (see docs/launch-protocol.md, "Tests").
PYTHON = os.environ.get("WATERCODEFLOW_TEST_PYTHON") or os.environ.get("WCF_TEST_PYTHON") or sys.executable
EXTRA_RECORD_ARGS = os.environ.get("WATERCODEFLOW_TEST_RECORD_ARGS", "").split()
STEP_KINDS = {0: "line", 1: "call", 2: "return", 3: "exception"}

if NATIVE_DIR not in sys.path:
    sys.path.insert(0, NATIVE_DIR)
from watercodeflow.recording_expand import expand  # noqa: E402


_TEMPORARY_DIRS = []
atexit.register(lambda: [shutil.rmtree(path, ignore_errors=True) for path in _TEMPORARY_DIRS])


def temporary_dir(prefix="wcf-test-"):
    """A directory removed when the test process ends."""
    path = tempfile.mkdtemp(prefix=prefix)
    _TEMPORARY_DIRS.append(path)
    return path


def program_path(name):
    return os.path.join(PROGRAMS, name)


def marker_lines(path):
    """{'name': line} for every `# @name` comment in a program."""
    lines = {}
    with open(path, encoding="utf-8") as source:
        for number, text in enumerate(source, 1):
            for name in re.findall(r"# @([\w-]+)", text):
                lines[name] = number
    return lines


def recorder_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = NATIVE_DIR + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("PYTHONSTARTUP", None)
    return env


def record(program, args=(), options=(), cwd=None, timeout=120, out_dir=None, **popen):
    """Run `python -m watercodeflow record`; returns (CompletedProcess, recording path)."""
    out_dir = out_dir or temporary_dir()
    out = os.path.join(out_dir, os.path.splitext(os.path.basename(program))[0] + ".wcf")
    command = [PYTHON, "-m", "watercodeflow", "record", "--out", out] + EXTRA_RECORD_ARGS + list(options)
    command += ["--", program] + list(args)
    completed = subprocess.run(command, cwd=cwd or os.path.dirname(program), env=recorder_env(),
                               capture_output=True, timeout=timeout, **popen)
    return completed, out


def run_plain(program, args=(), cwd=None, timeout=120):
    env = recorder_env()
    env.pop("PYTHONPATH", None)
    return subprocess.run([PYTHON, program] + list(args), cwd=cwd or os.path.dirname(program), env=env,
                          capture_output=True, timeout=timeout)


def expanded(path):
    """A connection to the recording at `path` in the v1 row layout (frames.end_step, vals.type, whole
    object_states.children), for plain SQL in tests."""
    return expand(path)


class Recording:
    """Read-only view of a recording with the reconstruction rules of docs/recording-format.md."""

    def __init__(self, path):
        self.db = expanded(path)

    def close(self):
        self.db.close()

    def query(self, sql, *args):
        return self.db.execute(sql, args).fetchall()

    @property
    def meta(self):
        return dict(self.query("SELECT key, value FROM meta"))

    def steps(self):
        return self.query("SELECT step, kind, frame_id, line FROM steps ORDER BY step")

    def line_steps(self, line, function=None):
        sql = ("SELECT s.step FROM steps s JOIN frames f USING (frame_id) JOIN code c USING (code_id)"
               " WHERE s.kind = 0 AND s.line = ?")
        args = [line]
        if function:
            sql += " AND c.name = ?"
            args.append(function)
        return [row[0] for row in self.query(sql + " ORDER BY s.step", *args)]

    def frame(self, frame_id):
        return self.query(
            "SELECT f.frame_id, f.parent_id, c.name, f.locals_scope, f.globals_scope, f.call_step, f.end_step,"
            " f.thread_id FROM frames f JOIN code c USING (code_id) WHERE frame_id = ?", frame_id)[0]

    def frame_of_step(self, step):
        return self.frame(self.query("SELECT frame_id FROM steps WHERE step = ?", step)[0][0])

    def scope_names(self, scope_id, step):
        rows = self.query(
            "SELECT n.name, b.value_id FROM bindings b JOIN names n USING (name_id)"
            " WHERE b.scope_id = ? AND b.step <= ? ORDER BY b.step", scope_id, step)
        bound = {}
        for name, value_id in rows:
            if value_id is None:
                bound.pop(name, None)
            else:
                bound[name] = value_id
        return bound

    def local(self, step, name, depth=4):
        """Rendered value of `name` in the frame of `step` (locals, then globals); KeyError when unbound."""
        frame = self.frame_of_step(step)
        for scope in (frame[3], frame[4]):
            names = self.scope_names(scope, step)
            if name in names:
                return self.render(names[name], step, depth)
        raise KeyError("%s is not bound at step %d" % (name, step))

    def value_row(self, value_id):
        return self.query("SELECT type, repr, object_id FROM vals WHERE value_id = ?", value_id)[0]

    def object_state(self, object_id, step):
        rows = self.query(
            "SELECT length, children, cut FROM object_states WHERE object_id = ? AND step <= ?"
            " ORDER BY step DESC LIMIT 1", object_id, step)
        return rows[0] if rows else None

    def object_kind(self, object_id):
        return self.query("SELECT kind FROM objects WHERE object_id = ?", object_id)[0][0]

    def render(self, value_id, step, depth=4):
        """A repr-like text of a value at a step: scalars and opaque by repr, containers from their state."""
        type_name, text, object_id = self.value_row(value_id)
        if object_id is None or text is not None and self.object_kind(object_id) == "opaque":
            return text
        state = self.object_state(object_id, step)
        if state is None:
            return "<no state>"
        length, children, cut = state
        if cut == -1 or depth == 0:
            return "<%s len=%d cut>" % (type_name, length)
        kind = self.object_kind(object_id)
        items = json.loads(children)
        if kind == "dict":
            parts = ["%s: %s" % (key, self.render(child, step, depth - 1)) for key, child in items]
        elif kind == "instance":
            parts = ["%s=%s" % (key, self.render(child, step, depth - 1)) for key, child in items]
        else:
            parts = [self.render(child, step, depth - 1) for _, child in items]
        if cut > 0:
            parts.append("\u2026+%d" % cut)
        body = ", ".join(parts)
        if kind == "list":
            return "[%s]" % body
        if kind == "tuple":
            return "(%s%s)" % (body, "," if len(parts) == 1 else "")
        if kind in ("dict", "set"):
            return "{%s}" % body
        if kind == "instance":
            return "%s(%s)" % (type_name, body)
        return "%s(%s)" % (kind, body)

    def object_id_of(self, step, name):
        frame = self.frame_of_step(step)
        for scope in (frame[3], frame[4]):
            names = self.scope_names(scope, step)
            if name in names:
                return self.value_row(names[name])[2]
        raise KeyError(name)
