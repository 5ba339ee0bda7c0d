# fork(): the child keeps running the program but must not record or touch the recording.
import os

before = "parent"
pid = os.fork()
if pid == 0:
    child_value = sum(range(1000))
    print("child", child_value, flush=True)
    os._exit(0)
_, status = os.waitpid(pid, 0)
after = os.WEXITSTATUS(status)  # @after
print("parent saw", after)
