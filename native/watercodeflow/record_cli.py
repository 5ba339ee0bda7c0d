# `python -m watercodeflow record ...`: parses options, wires writer + recorder + tracer + output capture +
# launch channels around the launcher (a script or a -m module), and turns how the run ended into the CLI exit code.
import _thread
import os
import _signal as signal  # `signal` would import enum (start-up time); same functions
import sys
import time

from . import json_text
from . import options as opts
from .recorder import tell_user
from .writer import SCHEMA_VERSION, RecordingWriter, RecordingWriterError, now_ns

USAGE = """usage: python -m watercodeflow record [options] [--] program.py [args...]
       python -m watercodeflow record [options] -m MODULE [args...]

options:
  -m MODULE, --module MODULE   run library module MODULE as `python -m MODULE` does (sys.path[0] = the
                           current directory); it ends the options like the program path does
  --out REC                recording path (default: ./<program stem or MODULE>.wcf in the current directory)
  --mode lite|balanced|deep   what to keep (default balanced; see docs/recording-format.md, "Modes")
  --no-just-my-code        record every file except watercodeflow itself (default: only the program's
                           folder (a module's package folder) and the current directory, without the
                           standard library/site-packages)
  --max-size BYTES         stop recording (not the program) when the file reaches this size (default 2 GB)
  --max-repr N             characters kept of a value's repr (default 200)
  --max-items N            children kept per object state (default 100)
  --max-depth N            nesting levels recorded with children (default: 1 balanced/lite, 4 deep)
  --exit-code=watcher|program   exit with the Watcher code (default) or the program's own exit status
  --progress-fd N          write JSON-line progress events to fd N (docs/launch-protocol.md)
  --control-fd N           read "stop" requests from fd N (EOF also means stop)
  --tracer auto|settrace|monitoring   event source (default auto: sys.monitoring on Python >= 3.12)
  --buffers on|off         element-level write history of numpy arrays and other buffers (default on)
  --buffer-full-limit BYTES   buffers below this are copied whole at each change (default 102400)
  --buffer-diff-limit BYTES   up to this, changed element ranges are stored; above it only fingerprints
                           of the written pages (default 10485760; --buffer-diff-huge diffs them too)
  --buffer-snapshots always|on-write   store a buffer's first content at once (default) or only once the
                           program writes it (less storage; never-written buffers then show no elements)
  --recorder auto|c|python   recorder core (default $WATERCODEFLOW_RECORDER, else auto: the C core where
                           it is built for this interpreter, else the slower pure-Python one, with a
                           notice in the recording)
  --verbose                print a one-line summary on stderr at the end
"""

EXIT_OK, EXIT_VALIDATION, EXIT_PARTIAL, EXIT_PROGRAM_RAISED = 0, 2, 400, 402


class UsageError(Exception):
    pass


def _int_option(name, text, minimum):
    try:
        value = int(text)
    except (TypeError, ValueError):
        raise UsageError("%s needs an integer, got %r" % (name, text)) from None
    if value < minimum:
        raise UsageError("%s must be at least %d, got %d" % (name, minimum, value))
    return value


def parse_args(argv):
    values = {"mode": "balanced", "just_my_code": True, "max_size": opts.DEFAULT_MAX_SIZE,
              "max_repr": opts.DEFAULT_MAX_REPR, "max_items": opts.DEFAULT_MAX_ITEMS, "max_depth": None,
              "exit_code_policy": "watcher", "progress_fd": None, "control_fd": None, "out": None,
              "verbose": False, "tracer": "auto",
              "recorder": os.environ.get("WATERCODEFLOW_RECORDER") or "auto", "buffers": True,
              "buffer_full_limit": opts.DEFAULT_BUFFER_FULL_LIMIT, "buffer_diff_limit": opts.DEFAULT_BUFFER_DIFF_LIMIT,
              "buffer_diff_huge": False, "buffer_snapshots": "always"}
    takes_value = {"--out", "--mode", "--max-size", "--max-repr", "--max-items", "--max-depth",
                   "--exit-code", "--progress-fd", "--control-fd", "--tracer",
                   "--recorder", "--buffers", "--buffer-full-limit", "--buffer-diff-limit", "--buffer-snapshots"}
    index = 0
    module = None
    while index < len(argv):
        arg = argv[index]
        if arg == "--":
            index += 1
            break
        if arg in ("-m", "--module"):
            if index + 1 >= len(argv):
                raise UsageError("%s needs a module name" % arg)
            module, index = argv[index + 1], index + 2
            break
        if arg.startswith("--module=") or (arg.startswith("-m") and not arg.startswith("--")):
            module, index = (arg.partition("=")[2] if arg.startswith("--") else arg[2:]), index + 1  # -mpkg too
            break
        if not arg.startswith("-") or arg == "-":
            break
        name, has_inline, inline = arg.partition("=")
        if name in ("-h", "--help"):
            raise UsageError("")
        if name in ("--no-just-my-code", "--verbose", "--buffer-diff-huge"):
            if has_inline:
                raise UsageError("%s takes no value" % name)
            flag = {"--no-just-my-code": ("just_my_code", False), "--verbose": ("verbose", True),
                    "--buffer-diff-huge": ("buffer_diff_huge", True)}[name]
            values[flag[0]] = flag[1]
            index += 1
            continue
        if name not in takes_value:
            raise UsageError("unknown option %r" % arg)
        if has_inline:
            value = inline
            index += 1
        else:
            if index + 1 >= len(argv):
                raise UsageError("%s needs a value" % name)
            value = argv[index + 1]
            index += 2
        if name == "--out":
            values["out"] = value
        elif name == "--mode":
            if value not in opts.MODES:
                raise UsageError("--mode must be one of %s, got %r" % ("|".join(opts.MODES), value))
            values["mode"] = value
        elif name == "--exit-code":
            if value not in ("watcher", "program"):
                raise UsageError("--exit-code must be watcher or program, got %r" % value)
            values["exit_code_policy"] = value
        elif name == "--tracer":
            if value not in ("auto", "settrace", "monitoring"):
                raise UsageError("--tracer must be auto, settrace or monitoring, got %r" % value)
            values["tracer"] = value
        elif name == "--recorder":
            if value not in ("auto", "c", "python"):
                raise UsageError("--recorder must be auto, c or python, got %r" % value)
            values["recorder"] = value
        elif name == "--buffers":
            if value not in ("on", "off"):
                raise UsageError("--buffers must be on or off, got %r" % value)
            values["buffers"] = value == "on"
        elif name == "--buffer-snapshots":
            if value not in opts.BUFFER_SNAPSHOTS:
                raise UsageError("--buffer-snapshots must be %s, got %r" % (" or ".join(opts.BUFFER_SNAPSHOTS), value))
            values["buffer_snapshots"] = value
        elif name in ("--buffer-full-limit", "--buffer-diff-limit"):
            values[name[2:].replace("-", "_")] = _int_option(name, value, 0)
        elif name in ("--progress-fd", "--control-fd"):
            fd = _int_option(name, value, 0)
            try:
                os.fstat(fd)
            except OSError:
                raise UsageError("%s %d is not an open file descriptor" % (name, fd)) from None
            values[name[2:].replace("-", "_")] = fd
        else:
            values[name[2:].replace("-", "_")] = _int_option(name, value, 1 if name != "--max-depth" else 0)
    if module == "":
        raise UsageError("-m needs a module name, e.g. -m pkg.mod")
    if module is None and index >= len(argv):
        raise UsageError("no program given (a script path, or -m MODULE)")
    if values["recorder"] not in ("auto", "c", "python"):
        raise UsageError("$WATERCODEFLOW_RECORDER must be auto, c or python, got %r" % values["recorder"])
    if module is not None:
        program, program_args = None, argv[index:]
    else:
        program, program_args = argv[index], argv[index + 1:]
    if values["max_depth"] is None:
        values["max_depth"] = opts.DEFAULT_MAX_DEPTH[values["mode"]]
    if values["out"] is None:
        stem = module or os.path.splitext(os.path.basename(program))[0] or "recording"
        values["out"] = stem + ".wcf"
    values["out"] = os.path.abspath(values["out"])
    return opts.RecordOptions(program=program, module=module, args=program_args, **values)


def _usage_error(message):
    if message:
        sys.stderr.write("watercodeflow record: error: %s\n\n" % message)
    sys.stderr.write(USAGE)
    return EXIT_VALIDATION if message else EXIT_OK


def cli_exit_code(policy, program_end, status):
    if policy == "program" and program_end.exit_code is not None:
        return program_end.exit_code
    if program_end.not_runnable is not None:
        return EXIT_VALIDATION  # runpy could not find or run the module: none of its code ran
    if program_end.uncaught is not None:
        return EXIT_PROGRAM_RAISED
    if status in ("stopped", "limit", "error"):
        return EXIT_PARTIAL
    return EXIT_OK


def choose_recorder(options):
    """("c", None) when the C core records this run, else ("python", why not or None if asked for)."""
    if options.recorder == "python":
        return "python", None
    from .recorder_c import core_unavailable_reason

    reason = core_unavailable_reason(options)
    if reason is None:
        return "c", None
    if options.recorder == "c":
        raise ValueError("--recorder c: %s" % reason)
    return "python", reason


def main(argv):
    try:
        options = parse_args(argv)
    except UsageError as error:
        return _usage_error(str(error))
    return Session(options).run()


class Session:
    """One recorded run of one program."""

    def __init__(self, options):
        self.options = options
        self.recorder = None
        self.progress = None
        self.worker = None
        self.output = None
        self.tracing = False
        self.started = time.monotonic()

    def run(self):
        from .justmycode import FileFilter
        from .launch_channel import BackgroundWorker, ProgressChannel
        from .launcher import (ProgramNotRunnable, locate_module, module_launch_files, prepare_main_module,
                               prepare_module_main, read_program, use_module_search_path)
        from .output_capture import OutputCapture
        from .recorder import Recorder
        from .tracer import make_tracer, resolve_tracer

        options = self.options
        try:
            if options.module is not None:
                use_module_search_path()
                package_dirs, source = locate_module(options.module), None
            else:
                source = read_program(options.program)
            resolve_tracer(options.tracer)
            kind, fallback_reason = choose_recorder(options)
            tracer = make_tracer(options.tracer) if kind == "python" else None
            writer = RecordingWriter(options.out)
        except (ProgramNotRunnable, RecordingWriterError, ValueError) as error:
            sys.stderr.write("watercodeflow record: error: %s\n" % (error,))
            return EXIT_VALIDATION
        if options.module is not None:
            program_path = None  # known once runpy found the module (meta "program" is written then)
            file_filter = FileFilter(None, os.getcwd(), options.just_my_code, package_dirs, module_launch_files())
        else:
            program_path = os.path.abspath(options.program)
            file_filter = FileFilter(os.path.dirname(program_path), os.getcwd(), options.just_my_code)
        if kind == "c":
            from .recorder_c import CRecorder

            recorder = CRecorder(options, writer, file_filter, options.tracer)
            tracer_name, self._install_tracer = recorder.tracer_name, recorder.start
        else:
            recorder = Recorder(options, writer, file_filter)
            tracer_name, self._install_tracer = tracer.name, lambda: tracer.install(recorder)
        if fallback_reason:
            writer.rows["notices"].append(
                (0, "recorder-fallback", "recorded with the pure-Python recorder, which is much slower: %s"
                 % fallback_reason))
        self.recorder = recorder
        import watercodeflow

        watercodeflow._active_recorder = recorder
        writer.set_meta(self._initial_meta(tracer_name, program_path, kind))
        writer.flush()
        self.progress = ProgressChannel(options.progress_fd)
        self.progress.send({"event": "start", "recording": options.out, "pid": os.getpid(),
                            "python": "%d.%d.%d" % sys.version_info[:3], "tracer": tracer_name})
        if options.module is not None:
            prepare_module_main(options.args)
        else:
            prepare_main_module(options.program, options.args)
        self.output = OutputCapture(recorder.on_output)
        self.output.install()
        self.worker = BackgroundWorker(recorder, self.progress, self.started, options.control_fd,
                                       self._stop_from_control)
        self._install_process_hooks()
        self.worker.start()
        return self._run_program(source)

    def _initial_meta(self, tracer_name, program_path, recorder_kind):
        options = self.options
        return [
            ("schema_version", str(SCHEMA_VERSION)),
            ("format", "watercodeflow-recording"),
            ("created_at", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())),
            ("recorder", recorder_kind),
            ("tracer", tracer_name),
            ("python_version", "%d.%d.%d" % sys.version_info[:3]),
            ("python_executable", sys.executable),
            ("program", program_path),
            ("module", options.module),
            ("argv", json_text.dumps([options.program if options.module is None else "-m"] + list(options.args))),
            ("cwd", os.getcwd()),
            ("mode", options.mode),
            ("just_my_code", "1" if options.just_my_code else "0"),
            ("buffers", json_text.dumps({"tracking": options.buffers, "fullCopyLimit": options.buffer_full_limit,
                                         "diffLimit": options.buffer_diff_limit, "diffHuge": options.buffer_diff_huge,
                                         "snapshots": options.buffer_snapshots})),
            ("limits", json_text.dumps({"maxRepr": options.max_repr, "maxItems": options.max_items,
                                   "maxDepth": options.max_depth, "maxSize": options.max_size})),
            ("status", "recording"),
            ("start_ns", str(now_ns())),
        ]

    def _run_program(self, source):
        from .launcher import print_uncaught, run_module, run_program, wait_for_threads

        recorder = self.recorder
        if self.options.module is not None:
            end = run_module(self.options.module, code_ready=self._module_found)
        else:
            end = run_program(self.options.program, source, code_ready=lambda code: self._start_tracing())
        if self.tracing:  # a tracer never installed (SyntaxError, module not found) was not lost either
            recorder.check_tracer()
        if end.uncaught is not None:
            text = _format_uncaught(end.uncaught)
            recorder.record_uncaught(end.uncaught, text)
            print_uncaught(end.uncaught)
        try:
            wait_for_threads()
        except BaseException as error:  # e.g. a second Ctrl-C while waiting for threads
            recorder.internal_error("waiting for threads", error)
        exit_code = None if end.exit_signal else end.exit_code
        code = self._finish(end, exit_code)
        if end.exit_signal and self.options.exit_code_policy == "program":
            signal.signal(end.exit_signal, signal.SIG_DFL)
            os.kill(os.getpid(), end.exit_signal)
        return code

    def _start_tracing(self):
        self.tracing = True
        self._install_tracer()

    def _module_found(self, spec, code):
        """runpy found the module: its file is the program (sys.argv[0]); trace from its first line on."""
        argv = [spec.origin] + list(self.options.args)
        with self.recorder.lock:
            self.recorder.writer.set_meta([("program", spec.origin), ("argv", json_text.dumps(argv))])
        self._start_tracing()

    def _finish(self, end, exit_code, status=None):
        recorder = self.recorder
        self.output.stop()
        final_status = recorder.finalize(exit_code=exit_code, exit_signal=end.exit_signal, status=status)
        event = {"event": "end", "status": final_status, "steps": recorder.step + 1, "exitCode": exit_code}
        message = _status_message(final_status, recorder)
        if message:
            event["message"] = message
        self.progress.send(event)
        code = cli_exit_code(self.options.exit_code_policy, end, final_status)
        if self.options.verbose:
            tell_user(
                "watercodeflow: %d steps recorded to %s (status %s, program exit %s) in %.2f s; exit code %d\n"
                % (recorder.step + 1, self.options.out, final_status, exit_code,
                   time.monotonic() - self.started, code)
            )
        return code

    def _stop_from_control(self):
        """The adapter asked to stop (or went away): finalize as 'stopped' and end the program."""
        from .launcher import ProgramEnd

        recorder = self.recorder
        if recorder.finalized or os.getpid() != recorder.pid:
            return
        with recorder.lock:
            recorder.request_stop()
            code = self._finish(ProgramEnd(None), None)
        _flush_std_streams()
        os._exit(code)

    def _install_process_hooks(self):
        recorder = self.recorder
        session = self

        def in_child():
            recorder.abandon_after_fork()
            session.output.stop()
            session.progress.fd = None

        # before-hooks run in reverse order of registration, after-hooks in order: the worker thread stops
        # before the recorder lock is taken (it may be waiting for it) and restarts after it is released.
        os.register_at_fork(before=recorder.before_fork, after_in_parent=recorder.after_fork_in_parent,
                            after_in_child=in_child)
        # CPython 3.13 checks for threads (and warns) after the after-fork hooks: restart at the next step.
        def restart_worker_later():
            recorder.resume_after_fork = session.worker.start

        os.register_at_fork(before=session.worker.stop, after_in_parent=restart_worker_later)

        real_exit = os._exit

        def _exit(status):
            # os._exit skips every cleanup: close the recording first (only in the recording process).
            if os.getpid() == recorder.pid and not recorder.finalized:
                from .launcher import ProgramEnd

                try:
                    code = session._finish(ProgramEnd(status), status)
                    if session.options.exit_code_policy == "watcher":
                        status = code
                except BaseException:
                    pass
            real_exit(status)

        _exit.__doc__ = real_exit.__doc__
        os._exit = _exit

        if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            def on_sigterm(signum, frame):
                # This handler may run inside the recorder (same thread, lock held, rows half written): close
                # the recording from another thread once the lock is free, then die from the signal as
                # plain python would.
                signal.signal(signum, signal.SIG_DFL)
                if os.getpid() != recorder.pid or recorder.finalized:
                    os.kill(os.getpid(), signum)
                    return
                _thread.start_new_thread(_finish_then_die, (session, signum))

            signal.signal(signal.SIGTERM, on_sigterm)


def _finish_then_die(session, signum):
    from .launcher import ProgramEnd

    try:
        with session.recorder.lock:
            session._finish(ProgramEnd(None, exit_signal=signum), None, status="killed")
    finally:
        os.kill(os.getpid(), signum)


def _format_uncaught(exc):
    import traceback

    from .launcher import _strip_launcher_frames

    try:
        return "".join(traceback.format_exception(type(exc), exc, _strip_launcher_frames(exc.__traceback__)))
    except Exception as error:
        return "<traceback unavailable: %s>" % (error,)


def _status_message(status, recorder):
    if status == "limit":
        return "recording stopped at the --max-size limit; the program ran to its end unrecorded"
    if status == "stopped":
        return "recording stopped on request"
    if status == "error":
        return "the recorder failed; see stderr"
    return None


def _flush_std_streams():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
