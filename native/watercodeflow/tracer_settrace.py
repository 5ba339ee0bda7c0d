# The sys.settrace/threading.settrace tracer (CPython 3.8+; the default below 3.12).
# Only translates trace events into Recorder calls; holds no recording state of its own.
import opcode
import sys
import threading

from .tracer import Tracer

_RETURN_OPCODES = frozenset(
    opcode.opmap[name] for name in ("RETURN_VALUE", "RETURN_CONST") if name in opcode.opmap
)
# settrace reports a yield, a return and a frame left by an exception all as "return"; the instruction the frame
# stopped at tells them apart (3.12+ may report a yield at RESUME; 3.8-3.10 stop one instruction before a
# YIELD_FROM while it is suspended).
_YIELD_OPCODES = frozenset(
    opcode.opmap[name] for name in ("YIELD_VALUE", "YIELD_FROM", "SEND", "RESUME") if name in opcode.opmap
)
_YIELD_FROM = opcode.opmap.get("YIELD_FROM")
_GENERATOR_FLAGS = 0x20 | 0x80 | 0x100 | 0x200  # GENERATOR, COROUTINE, ITERABLE_COROUTINE, ASYNC_GENERATOR
LEAVE_RETURN, LEAVE_YIELD, LEAVE_UNWIND = 0, 1, 2


def leave_kind(frame):
    """How a frame that gets a settrace "return" event is leaving: LEAVE_RETURN, LEAVE_YIELD or LEAVE_UNWIND."""
    lasti = frame.f_lasti
    if lasti < 0:
        return LEAVE_RETURN
    code = frame.f_code
    instructions = code.co_code
    opcode = instructions[lasti]
    if opcode in _RETURN_OPCODES:
        return LEAVE_RETURN
    if opcode in _YIELD_OPCODES or (
        _YIELD_FROM is not None and lasti + 2 < len(instructions) and instructions[lasti + 2] == _YIELD_FROM
    ):
        return LEAVE_YIELD if code.co_flags & _GENERATOR_FLAGS else LEAVE_RETURN
    return LEAVE_UNWIND


class SettraceTracer(Tracer):
    name = "settrace"

    def __init__(self):
        self._recorder = None

    def install(self, recorder):
        self._recorder = recorder
        recorder.tracer = self
        self._global_trace = self._make_global_trace(recorder)
        threading.settrace(self._global_trace)
        sys.settrace(self._global_trace)

    def lost_in_current_thread(self):
        # CPython (<= 3.11) drops a trace function that raises, e.g. when calling it needs one frame more
        # than the recursion limit allows; the program may also have replaced it (pdb, coverage).
        return self._recorder is not None and self._recorder.active and sys.gettrace() is not self._global_trace

    def uninstall(self):
        # Only the calling thread's trace can be removed here; the other threads' callbacks see
        # recorder.active == False and detach themselves at their next event.
        threading.settrace(None)
        sys.settrace(None)

    @staticmethod
    def _make_global_trace(recorder):
        on_call = recorder.on_call
        on_line = recorder.on_line
        on_return = recorder.on_return
        on_exception = recorder.on_exception
        on_unwind = recorder.on_unwind
        lines = recorder.scan_lines

        def global_trace(frame, event, arg):
            if event != "call" or not recorder.active:
                return None
            record = on_call(frame)
            if record is None:
                return None
            if not lines:
                frame.f_trace_lines = False

            def local_trace(frame, event, arg):
                if not recorder.active:
                    return None
                if event == "line":
                    on_line(record, frame)
                elif event == "return":
                    leaving = leave_kind(frame)
                    # An exception thrown into a generator stops it at its yield: the opcode alone would
                    # call that a yield, the exception event just before it says it is an unwind.
                    if leaving == LEAVE_UNWIND or (arg is None and record.after_exception):
                        on_unwind(record)
                    else:
                        on_return(record, frame, arg, leaving == LEAVE_YIELD)
                elif event == "exception":
                    on_exception(record, frame, arg[1], arg[2])
                return local_trace

            return local_trace

        return global_trace
