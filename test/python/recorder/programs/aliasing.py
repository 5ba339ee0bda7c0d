# Two names bound to one list; mutations through one name, in a callee and in another thread.
import threading


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y


def grow(items):
    items.append("callee")  # @callee-append
    return len(items)


def from_thread(items, point):
    items.append("thread")
    point.x = 99


first = [1, 2]
second = first
second.append(3)  # @append
grow(first)  # @call-grow
point = Point(1, 2)
point.y = 5  # @set-attr
worker = threading.Thread(target=from_thread, args=(first, point))
worker.start()
worker.join()  # @joined
table = {}
table["k"] = first  # @dict-set
marks = set()
marks.add(7)  # @set-add
done = True  # @end
