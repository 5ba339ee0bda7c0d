# Runs on after the recorder stops at --max-size and prints, as JSON, whether the recorder's sys.monitoring tool
# is still registered and which local events its own function's code still has. Used by
# test_just_my_code.LineEventsTest: a stopped recording must leave no line instrumentation behind.
import json
import sys

monitoring = sys.monitoring
TOOL = next(i for i in range(6) if monitoring.get_tool(i) == "watercodeflow")


def work(n):
    total = 0
    for i in range(n):
        total += i
    return total


for _ in range(200):
    work(2000)
print(json.dumps({"tool_after": monitoring.get_tool(TOOL),
                  "local_after": monitoring.get_local_events(TOOL, work.__code__)}))
