# Prints, as JSON, which of sys.monitoring's LINE and JUMP events the recorder's tool has: for every code
# object, for this program's own function and for a standard-library function the program ran (json's
# encoder). Used by test_just_my_code.LineEventsTest; prints {"monitoring": false} where there is none.
import json
import sys


def own(n):
    total = n  # @own-first
    for i in range(n):
        total += i
    return total


def report():
    monitoring = getattr(sys, "monitoring", None)
    tool = None
    if monitoring is not None:
        tool = next((i for i in range(6) if monitoring.get_tool(i) == "watercodeflow"), None)
    if tool is None:
        return {"monitoring": False}
    lines = monitoring.events.LINE | monitoring.events.JUMP
    return {"monitoring": True, "lines": lines, "global": monitoring.get_events(tool) & lines,
            "own": monitoring.get_local_events(tool, own.__code__) & lines,
            "library": monitoring.get_local_events(tool, json.JSONEncoder.encode.__code__) & lines}


own(3)
json.dumps({"a": [1, 2]})
print(json.dumps(report()))
