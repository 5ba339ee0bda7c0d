# The recorder must never call user code: __repr__, __eq__, __hash__, __getattr__, __len__, __iter__.
calls = []


class Loud:
    def __repr__(self):
        calls.append("repr")
        return "Loud()"

    def __eq__(self, other):
        calls.append("eq")
        return False

    __hash__ = object.__hash__

    def __getattr__(self, name):
        calls.append("getattr " + name)
        raise AttributeError(name)


class LoudList(list):
    def __len__(self):
        calls.append("len")
        return 0

    def __iter__(self):
        calls.append("iter")
        return iter([])


thing = Loud()
thing.value = 1
items = LoudList([1, 2, 3])
mapping = {thing: "key is an object"}
done = True  # @end
print(calls)
