# The sys.monitoring tracer (PEP 669, CPython >= 3.12; the default there).
# Only translates monitoring events into Recorder calls; code outside the recording gets DISABLE, and LINE and
# JUMP are local events of each recorded code object (set at its first start), as in the C core.
import sys

from .tracer import Tracer

_TOOL_NAME = "watercodeflow"


class MonitoringTracer(Tracer):
    name = "sys.monitoring"

    def __init__(self):
        self.tool_id = None
        self.line_codes = set()  # the code objects whose LINE and JUMP events are on

    def install(self, recorder):
        monitoring = sys.monitoring
        for tool_id in (monitoring.DEBUGGER_ID, 1, 2, 3, 4):
            if monitoring.get_tool(tool_id) is None:
                monitoring.use_tool_id(tool_id, _TOOL_NAME)
                self.tool_id = tool_id
                break
        else:
            raise RuntimeError("no free sys.monitoring tool id (another debugger or profiler holds them all)")
        recorder.tracer = self
        events = monitoring.events
        line_events = events.LINE | events.JUMP if recorder.scan_lines else 0
        callbacks = self._make_callbacks(recorder, monitoring.DISABLE, self._lines_on(line_events, recorder))
        wanted = 0
        for event_name, callback in callbacks.items():
            event = getattr(events, event_name)
            monitoring.register_callback(self.tool_id, event, callback)
            wanted |= event
        monitoring.set_events(self.tool_id, wanted & ~line_events)

    def _lines_on(self, line_events, recorder):
        """lines_on(code): turn on the LINE and JUMP events of a recorded code object, once (a failure is the
        recording's internal error, never the program's)."""
        line_codes = self.line_codes
        set_local_events = sys.monitoring.set_local_events
        tool_id = self.tool_id

        def lines_on(code):
            if line_events and code not in line_codes:
                line_codes.add(code)
                try:
                    set_local_events(tool_id, code, line_events)
                except Exception as error:
                    recorder.internal_error("turning on the line events of recorded code", error)

        return lines_on

    def uninstall(self):
        if self.tool_id is None:
            return
        monitoring = sys.monitoring
        tool_id, self.tool_id = self.tool_id, None
        monitoring.set_events(tool_id, 0)
        for code in self.line_codes:
            try:
                monitoring.set_local_events(tool_id, code, 0)
            except Exception:  # best effort: no callback stays registered for what is left
                pass
        self.line_codes.clear()
        for event in (monitoring.events.PY_START, monitoring.events.PY_RESUME, monitoring.events.PY_THROW,
                      monitoring.events.PY_RETURN, monitoring.events.PY_YIELD, monitoring.events.LINE,
                      monitoring.events.RAISE, monitoring.events.PY_UNWIND, monitoring.events.JUMP,
                      monitoring.events.STOP_ITERATION):
            monitoring.register_callback(tool_id, event, None)
        monitoring.free_tool_id(tool_id)

    @staticmethod
    def _make_callbacks(recorder, DISABLE, lines_on):
        getframe = sys._getframe
        live = recorder.live
        code_ids = recorder.code_ids
        on_call = recorder.on_call
        on_line = recorder.on_line
        on_return = recorder.on_return
        on_exception = recorder.on_exception
        on_unwind = recorder.on_unwind

        def start(code, offset):
            if code_ids.get(code) == 0:
                return DISABLE
            if on_call(getframe(1)) is None and code_ids.get(code) == 0:
                return DISABLE
            if code_ids.get(code):
                lines_on(code)  # before the code's first line runs
            return None

        def throw(code, offset, exc):
            if code_ids.get(code) != 0:
                on_call(getframe(1))

        lines_by_code = {}

        def line_table(code):
            table = lines_by_code.get(code)
            if table is None:
                table = {}
                for start, end, line_number in code.co_lines():
                    for offset in range(start, end, 2):
                        table[offset] = line_number
                lines_by_code[code] = table
            return table

        def jump(code, source, destination):
            # A backward jump within one line (a comprehension's loop, `while x: x -= 1` on one line) is a new
            # line event under settrace but not a LINE event here; re-create it so both tracers agree.
            if destination > source or code_ids.get(code) == 0:
                return DISABLE
            table = line_table(code)
            target_line = table.get(destination)
            if target_line is None or target_line != table.get(source):
                return DISABLE
            record = live.get(id(getframe(1)))
            if record is not None:
                on_line(record, record.frame)
            return None

        def line(code, line_number):
            record = live.get(id(getframe(1)))
            if record is None:
                return DISABLE if code_ids.get(code) == 0 else None
            on_line(record, record.frame)
            return None

        def returned(code, offset, value):
            record = live.get(id(getframe(1)))
            if record is None:
                return DISABLE if code_ids.get(code) == 0 else None
            on_return(record, record.frame, value, False)
            return None

        def yielded(code, offset, value):
            record = live.get(id(getframe(1)))
            if record is None:
                return DISABLE if code_ids.get(code) == 0 else None
            on_return(record, record.frame, value, True)
            return None

        def raised(code, offset, exc):
            record = live.get(id(getframe(1)))
            if record is not None:
                on_exception(record, record.frame, exc, exc.__traceback__)

        def stop_iteration(code, offset, value):
            # The interpreter ended a generator/await without raising (an "artificial" StopIteration); settrace
            # reports it as an exception event, so the recording does too.
            record = live.get(id(getframe(1)))
            if record is None:
                return DISABLE if code_ids.get(code) == 0 else None
            on_exception(record, record.frame, StopIteration(value), None)
            return None

        def unwound(code, offset, exc):
            record = live.get(id(getframe(1)))
            if record is not None:
                on_unwind(record)

        callbacks = {
            "PY_START": start,
            "PY_RESUME": start,
            "PY_THROW": throw,
            "PY_RETURN": returned,
            "PY_YIELD": yielded,
            "RAISE": raised,
            "PY_UNWIND": unwound,
            "STOP_ITERATION": stop_iteration,
        }
        if recorder.scan_lines:
            callbacks["LINE"] = line
            callbacks["JUMP"] = jump
        return callbacks
