# Which lines of a code object cannot change any existing object in place, read from the bytecode. The C core's
# mutation clock (native/wcfcore/wcf_clock.c) uses it on CPython 3.11 (settrace): when every piece of code that
# ran since a container was last read was such a line, the container cannot have changed and is not re-read.
#
# A line is judged by its instructions alone, so the rule is strict: only instructions whose work on builtin
# types never writes an existing object are allowed, plus a few that are allowed when a condition on a local,
# checked at the next event, says which type they worked on. Python code they may start (a __eq__, a __bool__)
# is seen by the core as its own call event. A line's calls are listed by position: the core can judge such a
# line when it sees each of its calls, in order, enter a Python function directly (so no C function ran).
import dis

# Builtin work that never writes an existing object (the call sequence is counted separately).
_PURE = frozenset("""
    NOP RESUME CACHE EXTENDED_ARG PRECALL KW_NAMES PUSH_NULL POP_TOP COPY SWAP
    LOAD_FAST LOAD_FAST_CHECK LOAD_CONST STORE_FAST DELETE_FAST LOAD_DEREF LOAD_CLOSURE LOAD_CLASSDEREF STORE_DEREF
    DELETE_DEREF MAKE_CELL COPY_FREE_VARS LOAD_GLOBAL LOAD_NAME LOAD_ATTR LOAD_METHOD LOAD_ASSERTION_ERROR
    IS_OP COMPARE_OP UNARY_POSITIVE UNARY_NEGATIVE UNARY_NOT UNARY_INVERT GET_ITER GET_LEN
    BUILD_TUPLE BUILD_LIST BUILD_SET BUILD_MAP BUILD_CONST_KEY_MAP BUILD_STRING BUILD_SLICE FORMAT_VALUE
    MAKE_FUNCTION RETURN_VALUE RETURN_CONST YIELD_VALUE RETURN_GENERATOR
    JUMP_FORWARD JUMP_BACKWARD JUMP_BACKWARD_NO_INTERRUPT JUMP_IF_FALSE_OR_POP JUMP_IF_TRUE_OR_POP
    POP_JUMP_FORWARD_IF_FALSE POP_JUMP_FORWARD_IF_TRUE POP_JUMP_BACKWARD_IF_FALSE POP_JUMP_BACKWARD_IF_TRUE
    POP_JUMP_FORWARD_IF_NONE POP_JUMP_FORWARD_IF_NOT_NONE POP_JUMP_BACKWARD_IF_NONE POP_JUMP_BACKWARD_IF_NOT_NONE
""".split())
_CALLS = frozenset(("CALL", "CALL_FUNCTION_EX"))
# Instructions without a line run between the events of whatever line comes before them; these are harmless.
_LINELESS_OK = _PURE | frozenset(("PUSH_EXC_INFO", "POP_EXCEPT", "RERAISE", "CHECK_EXC_MATCH", "WITH_EXCEPT_START"))

# condition kinds, checked by the core on the local in `slot` at the event that ends the line's run
SEQUENCE = 1   # an exact list or tuple (UNPACK_SEQUENCE of a local)
SUBSCRIPT = 2  # an exact list, tuple, dict, str or bytes (BINARY_SUBSCR of a local: no __missing__)
CONTAINER = 3  # an exact list, tuple, dict, set, frozenset, str or bytes (the right side of `in`)
SCALAR = 4     # an immutable builtin scalar (the result of an augmented assignment stored in the local)


def line_effects(code):
    """{line: (((start, end), ...), ((kind, slot), ...))} for the lines that change no existing object when
    their conditions hold and their calls (instruction ranges in code units, caches included) enter Python
    functions. Lines not in the dict may change anything. None: unusable (a line-less instruction may write)."""
    lines = {}
    for start, end, line in code.co_lines():
        for offset in range(start, end, 2):
            lines[offset] = line
    varnames = code.co_varnames
    instructions = list(dis.get_instructions(code))
    ends = [ins.offset for ins in instructions[1:]] + [len(code.co_code)]
    stores = {}  # line -> [slot, ...] of every STORE_FAST / DELETE_FAST
    for ins in instructions:
        line = lines.get(ins.offset)
        if ins.opname in ("STORE_FAST", "DELETE_FAST") and line is not None and ins.argval in varnames:
            stores.setdefault(line, []).append(varnames.index(ins.argval))
    effects, impure = {}, set()
    for i, ins in enumerate(instructions):
        name, line = ins.opname, lines.get(ins.offset)
        if line is None:
            if name not in _LINELESS_OK:
                return None
            continue
        calls, conditions = effects.setdefault(line, ([], []))
        if name in _PURE or (name == "BINARY_OP" and not ins.argrepr.endswith("=")):  # `a + b` builds anew
            continue
        if name in _CALLS:
            calls.append((ins.offset // 2, ends[i] // 2))
            continue
        condition = _condition(instructions, i, varnames, stores.get(line, ()))
        if condition is None:
            impure.add(line)
        else:
            conditions.append(condition)
    return {line: (tuple(calls), tuple(conditions)) for line, (calls, conditions) in effects.items()
            if line not in impure}


def _condition(instructions, i, varnames, line_stores):
    """(kind, slot) under which instruction i writes no existing object, or None."""
    ins = instructions[i]

    def local_at(j):  # the plain local loaded by instruction j, or None
        if j < 0 or instructions[j].opname not in ("LOAD_FAST", "LOAD_FAST_CHECK"):
            return None
        name = instructions[j].argval
        return varnames.index(name) if name in varnames else None

    def unchanged(slot):  # the line never rebinds it: at the event, the local is still what the line used
        return slot is not None and slot not in line_stores

    name = ins.opname
    if name == "UNPACK_SEQUENCE":
        slot = local_at(i - 1)
        return (SEQUENCE, slot) if unchanged(slot) else None
    if name == "BINARY_SUBSCR":
        if i >= 2 and instructions[i - 1].opname in ("LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_CONST"):
            slot = local_at(i - 2)
            return (SUBSCRIPT, slot) if unchanged(slot) else None
        return None
    if name == "CONTAINS_OP":
        slot = local_at(i - 1)
        return (CONTAINER, slot) if unchanged(slot) else None
    if name == "BINARY_OP":  # augmented: `x += y` may extend the list in x; not when x then holds a scalar
        following = instructions[i + 1] if i + 1 < len(instructions) else None
        if following is None or following.opname != "STORE_FAST" or following.argval not in varnames:
            return None
        slot = varnames.index(following.argval)
        return (SCALAR, slot) if line_stores.count(slot) == 1 else None
    return None
