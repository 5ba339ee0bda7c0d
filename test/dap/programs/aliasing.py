# DAP fixture: one list bound to two names in the caller and mutated through a third name in a callee.
# Tests refer to lines only through the "# @name" markers; keep markers unique.


def append_twice(target, item):
    target.append(item)  # @callee_first
    target.append(item)  # @callee_second
    return len(target)  # @callee_return


def owner():
    mine = [1, 2]  # @owner_create
    alias = mine  # @owner_alias
    size = append_twice(alias, 9)  # @owner_call
    return mine, size  # @owner_return


pair = owner()  # @module_call
print("pair", pair)  # @module_print
