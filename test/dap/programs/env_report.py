# DAP fixture: reports its working directory, one environment variable and its arguments, so tests can see
# that the launch arguments cwd, env and args reach the recorded program.
import os
import sys

cwd = os.getcwd()  # @cwd
mark = os.environ.get("WCF_DAP_TEST_MARK", "<unset>")  # @mark
arguments = sys.argv[1:]  # @arguments
print("cwd", cwd, "mark", mark, "argv", arguments)  # @report
