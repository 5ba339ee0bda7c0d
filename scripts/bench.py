"""Recorder benchmark: plain vs recorded runs of ../shared/bench workloads (and scripts/bench_workloads/), same
interpreter binary.

Owns the numbers printed by `npm run bench` for issue 2. Measures only; asserts nothing (goals are read by
people from the table). Usage: python scripts/bench.py [--python BIN] [--core c|python] [--runs N] [--small]
[--only NAME,...]
"""
import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH_DIR = os.environ.get("WCF_BENCH_DIR") or os.path.join(os.path.dirname(ROOT), "shared", "bench")

# Each workload runs at its own default size; --small uses these scaled-down arguments (for the Python core).
WORKLOADS = [
    ("compute", "compute.py", ["1"]),
    ("tight_loop", "tight_loop.py", ["100000"]),
    ("recursion", "recursion.py", ["10", "2"]),
    ("many_locals", "many_locals.py", ["30000"]),
    ("threads", "threads.py", ["2000", "4"]),
    ("io_bound", "io_bound.py", ["300"]),
    ("numpy_train", "numpy_train.py", ["20", "1024"]),
    # ours: a large object graph bound in a frame whose lines mostly cannot write it (the C core's mutation clock)
    ("object_graph", os.path.join(ROOT, "scripts", "bench_workloads", "object_graph.py"), ["10000"]),
]
MODES = ["lite", "balanced", "deep"]
# The C core's mutation clock can be turned off: one more row shows what it saves.
NO_CLOCK_MODE = "bal-noclk"

# Runs a command, reports wall time and the child's peak RSS (ru_maxrss of the waited child only).
TIMER = r"""
import os, resource, subprocess, sys, time, json
t0 = time.perf_counter()
p = subprocess.run([sys.executable] + sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "rss_kb": ru.ru_maxrss, "rc": p.returncode,
                  "err": p.stderr.decode(errors="replace")[-2000:]}))
"""


# Mode "floor": the workload under the interpreter's hooks with no-op C callbacks (scripts/bench_floor.c), the
# events of a line-level recording delivered (line events only from the workload's folder, as justMyCode does)
# and nothing recorded: the part of a ratio the recorder cannot cut.
FLOOR_RUNNER = r"""
import os, runpy, sys, threading
sys.path.insert(0, sys.argv.pop(1))
import wcf_bench_floor as floor
sys.argv = sys.argv[1:]
sys.path[0] = os.path.dirname(os.path.abspath(sys.argv[0]))
folder = sys.path[0] + os.sep
if hasattr(sys, "monitoring"):
    m = sys.monitoring
    m.use_tool_id(5, "bench-floor")
    wanted = 0
    for name in ("PY_START", "PY_RESUME", "PY_THROW", "PY_RETURN", "PY_YIELD", "RAISE", "PY_UNWIND",
                 "STOP_ITERATION", "LINE", "JUMP"):
        local = name not in ("PY_THROW", "RAISE", "PY_UNWIND")  # the events DISABLE can turn off
        m.register_callback(5, getattr(m.events, name), floor.monitoring_callback(folder, m.DISABLE, local))
        wanted |= getattr(m.events, name)
    m.set_events(5, wanted)
else:
    def bootstrap(*args):
        floor.settrace(folder)
    threading.settrace(bootstrap)
    floor.settrace(folder)
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def build_floor(python, tmp):
    """Compiles scripts/bench_floor.c for `python` into tmp; (directory, hook name) or (None, why not)."""
    info = subprocess.run([python, "-c", "import sysconfig, json, sys; print(json.dumps([sysconfig.get_paths()"
                           "['include'], sysconfig.get_config_var('EXT_SUFFIX'), sysconfig.get_config_var('CC') or"
                           " 'cc', 'sys.monitoring' if hasattr(sys, 'monitoring') else 'settrace']))"],
                          capture_output=True, text=True)
    if info.returncode != 0:
        return None, "cannot ask %s for its build settings" % python
    include, suffix, cc, hook = json.loads(info.stdout)
    out = os.path.join(tmp, "floor")
    os.makedirs(out, exist_ok=True)
    source = os.path.join(ROOT, "scripts", "bench_floor.c")
    command = cc.split() + ["-O2", "-shared", "-fPIC", "-I" + include, "-o",
                            os.path.join(out, "wcf_bench_floor" + suffix), source]
    try:
        built = subprocess.run(command, capture_output=True, text=True)
    except OSError as error:
        return None, "no C compiler (%s)" % error
    if built.returncode != 0:
        return None, "building scripts/bench_floor.c failed: %s" % built.stderr.strip()[-300:]
    return out, hook


def real_python(requested):
    """Resolve a pyenv shim to the real binary so its ~0.1 s start-up does not skew ratios."""
    out = subprocess.run([requested, "-c", "import sys; print(sys.executable)"], capture_output=True, text=True)
    return out.stdout.strip() or requested


def timed(python, argv, env):
    out = subprocess.run([python, "-c", TIMER] + argv, capture_output=True, text=True, env=env)
    return json.loads(out.stdout)


def has_numpy(python):
    return subprocess.run([python, "-c", "import numpy"], capture_output=True).returncode == 0


def recording_stats(path):
    """Counts from a version-2 recording: rows per chunked table from the chunk directory (no decoding), line
    steps by decoding the steps chunks' kind column (docs/recording-format.md)."""
    sys.path.insert(0, os.path.join(ROOT, "native"))
    from watercodeflow.chunk_codec import decode_chunk

    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        rows = dict(con.execute("SELECT tbl, SUM(row_count) FROM chunks GROUP BY tbl"))
        steps = rows.get("steps", 0)
        lines = sum(decode_chunk("steps", data, count)[0].count(0) for count, data in con.execute(
            "SELECT row_count, data FROM chunks WHERE tbl = 'steps'"))
        changes = rows.get("bindings", 0) + rows.get("object_states", 0)
        dropped = con.execute("SELECT count(*) FROM notices WHERE kind LIKE '%drop%'").fetchone()[0]
        status = dict(con.execute("SELECT key, value FROM meta")).get("status")
    finally:
        con.close()
    return {"steps": steps, "lines": lines, "changes": changes, "dropped": dropped, "status": status}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", default=os.environ.get("WCF_BENCH_PYTHON", "python3"))
    ap.add_argument("--core", default="c", choices=("c", "python"), help="recorder core (--recorder)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--small", action="store_true", help="scaled-down arguments (for the slow Python core)")
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    python = real_python(args.python)
    only = set(filter(None, args.only.split(",")))
    env = dict(os.environ, WATERCODEFLOW_RECORDER=args.core, OPENBLAS_NUM_THREADS="1")
    env["PYTHONPATH"] = os.path.join(ROOT, "native") + os.pathsep + env.get("PYTHONPATH", "")
    # This environment may set PYTHONDONTWRITEBYTECODE: compile the recorder once, as an installed copy would be.
    subprocess.run([python, "-m", "compileall", "-q", os.path.join(ROOT, "native", "watercodeflow")],
                   stdout=subprocess.DEVNULL)
    tmp = tempfile.mkdtemp(prefix="wcf-bench-")
    floor_dir, floor_hook = build_floor(python, tmp)
    version = subprocess.run([python, "-V"], capture_output=True, text=True).stdout.strip()
    print("interpreter: %s (%s), %s recorder core" % (python, version, args.core))
    print("runs per cell: %d (median; plain and recorded runs alternate); workloads from %s%s"
          % (args.runs, BENCH_DIR, " with scaled-down arguments" if args.small else " at their default sizes"))
    header = "%-12s %-8s %8s %9s %10s %11s %9s %9s %8s %12s %s" % (
        "workload", "mode", "ratio", "plain_s", "steps", "rec_bytes", "B/line", "rss_MB", "dropped", "ingest_ev/s",
        "status")
    print(header)
    print("-" * len(header))
    for name, script, small_args in WORKLOADS:
        if only and name not in only:
            continue
        path = os.path.join(BENCH_DIR, script)
        if not os.path.exists(path):
            print("%-12s SKIP: %s not found" % (name, path))
            continue
        if name == "numpy_train" and not has_numpy(python):
            print("%-12s SKIP: numpy is not installed for %s" % (name, python))
            continue
        wl_args = small_args if args.small else []
        plain = []
        modes = MODES + ([NO_CLOCK_MODE] if args.core == "c" else [])
        for mode in modes:
            rec = os.path.join(tmp, "%s-%s.wcf" % (name, mode))
            runs = []
            run_env = dict(env, WATERCODEFLOW_MUTATION_CLOCK="0") if mode == NO_CLOCK_MODE else env
            record_mode = "balanced" if mode == NO_CLOCK_MODE else mode
            for _ in range(args.runs):
                if mode == MODES[0]:
                    plain.append(timed(python, [path] + wl_args, env))
                if os.path.exists(rec):
                    os.remove(rec)
                command = ["-m", "watercodeflow", "record", "--mode", record_mode, "--out", rec, "--", path] + wl_args
                runs.append(timed(python, command, run_env))
            if any(r["rc"] != 0 for r in plain):
                print("%-12s plain run failed: %s" % (name, plain[0]["err"]))
                break
            plain_s = statistics.median(r["wall"] for r in plain)
            failed = [r for r in runs if r["rc"] != 0]
            if failed:
                last_line = failed[0]["err"].strip().splitlines()[-1:]
                print("%-12s %-8s recorded run failed (exit %d): %s" % (name, mode, failed[0]["rc"], last_line))
                continue
            rec_s = statistics.median(r["wall"] for r in runs)
            st = recording_stats(rec)
            size = os.path.getsize(rec)
            per_line = (size / st["lines"]) if st["lines"] else float("nan")
            events = st["steps"] + st["changes"]
            print("%-12s %-8s %7.2fx %9.3f %10d %11d %9.1f %9.1f %8d %12.0f %s" % (
                name, mode, rec_s / plain_s, plain_s, st["steps"], size, per_line,
                max(r["rss_kb"] for r in runs) / 1024.0, st["dropped"], events / rec_s, st["status"]))
        if plain and floor_dir and len(plain) == args.runs:
            runs = [timed(python, ["-c", FLOOR_RUNNER, floor_dir, path] + wl_args, env) for _ in range(args.runs)]
            if any(r["rc"] != 0 for r in runs):
                print("%-12s %-8s floor run failed: %s" % (name, "floor", runs[0]["err"].strip()[-300:]))
            else:
                print("%-12s %-8s %7.2fx %9.3f   (no-op hooks, nothing recorded)" % (
                    name, "floor", statistics.median(r["wall"] for r in runs) / plain_s, plain_s))
    shutil.rmtree(tmp, ignore_errors=True)
    print("ratio = median recorded wall / median plain wall (both include interpreter start-up); B/line = file bytes"
          " / line steps; ingest = (steps + value changes) / recorded wall time (file closed and queryable at exit)")
    print("%s = balanced with the C core's mutation clock off (WATERCODEFLOW_MUTATION_CLOCK=0)"
          % NO_CLOCK_MODE)
    if floor_dir:
        print("floor = the same run under the interpreter's hooks (%s) with C callbacks that do nothing, line events"
              " from the workload's folder only: about what any in-process line recorder pays before it records"
              " anything (a noisy workload such as io_bound can show it above a recorded run)" % floor_hook)
    else:
        print("floor: SKIP (%s)" % floor_hook)


if __name__ == "__main__":
    main()
