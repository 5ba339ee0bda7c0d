# Which lines of a code object cannot change any existing object in place, read from the bytecode of CPython 3.11
# to 3.13. The C core's mutation clock (native/wcfcore/wcf_clock.c) uses it: when every piece of code that ran
# since a container was last read was such a line, the container cannot have changed and is not re-read.
#
# A line is judged by its instructions alone, so the rule is strict: only instructions whose work on builtin
# types never writes an existing object are allowed, plus a few that are allowed when a condition on a local,
# checked at the next event, says which type they worked on. Python code they may start (a __eq__, a __bool__)
# is seen by the core as its own call event. A line's calls are listed by position: the core can judge such a
# line when it sees each of its calls, in order, enter a Python function directly (so no C function ran).
# The instructions of 3.12 and 3.13 are first put in 3.11's terms where they mean the same (_instructions).
# The instructions come from bytecode.py, not dis (start-up time and per-code cost).
import collections
import sys

from .bytecode import instructions

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
""".split()) | frozenset("""
    POP_JUMP_IF_FALSE POP_JUMP_IF_TRUE POP_JUMP_IF_NONE POP_JUMP_IF_NOT_NONE END_FOR TO_BOOL LOAD_FAST_AND_CLEAR
    FORMAT_SIMPLE FORMAT_WITH_SPEC CONVERT_VALUE SET_FUNCTION_ATTRIBUTE
""".split())  # 3.12, 3.13 (SET_FUNCTION_ATTRIBUTE: on the function MAKE_FUNCTION just made)
# 3.12+: a comprehension is inlined. LIST_APPEND, SET_ADD and MAP_ADD append to the list, set or dict it builds
# on the value stack, which nothing else can reach (in 3.11 they ran in the comprehension's own frame: a call).
# Its cleanup's RERAISE carries the line too; it runs only after an exception was raised (an event of its own).
_PURE_SINCE_312 = frozenset(("LIST_APPEND", "SET_ADD", "MAP_ADD", "RERAISE"))
# the pure instructions of the running interpreter
_PURE_HERE = _PURE | (_PURE_SINCE_312 if sys.version_info >= (3, 12) else frozenset())
_CALLS = frozenset(("CALL", "CALL_FUNCTION_EX", "CALL_KW"))
# Instructions without a line run between the events of whatever line comes before them; these are harmless.
_LINELESS_OK = _PURE | frozenset(("PUSH_EXC_INFO", "POP_EXCEPT", "RERAISE", "CHECK_EXC_MATCH", "WITH_EXCEPT_START"))
# what the slot-storing instructions are (stores: a condition on such a local is not about what the line used)
_SLOT_STORES = frozenset(("STORE_FAST", "DELETE_FAST", "LOAD_FAST_AND_CLEAR"))

# Condition kinds, checked by the core at the event that ends a run of the line, on the local in `slot`
# (`key`: -1, or METHOD's type bits):
SEQUENCE = 1   # an exact list or tuple (UNPACK_SEQUENCE of a local)
SUBSCRIPT = 2  # an exact list, tuple, dict, str or bytes (BINARY_SUBSCR of a local: no __missing__)
CONTAINER = 3  # an exact list, tuple, dict, set, frozenset, str or bytes (the right side of `in`)
SCALAR = 4     # an immutable builtin scalar (the result of an augmented assignment stored in the local)
STORE_ITEM = 5  # an exact list or dict: `x[k] = v` (k built from scalars, SCALAR conditions on its locals)
                # writes x alone, which the core then reads again (the clock does not move for it)
FOR_LOOP = 6   # FOR_ITER: the loop goes on (its iterator is still on the stack) over a builtin container or range
METHOD = 7     # `x.name(args)` on a local: x is an exact builtin type of those `key` names (bits METHOD_TYPES,
               # shifted by 4: those whose `name` writes x alone, read again); the call is then not one of the
               # line's calls

# Methods of exact builtin containers that run no code beyond their arguments' __eq__ / __hash__ (their own
# events): {name: writes x}. Methods that iterate an argument (extend, update, join) are not here.
METHOD_TYPES = {"list": 1, "dict": 2, "set": 4}
_METHODS = {
    "list": {"append": True, "pop": True, "insert": True, "clear": True, "reverse": True, "remove": True,
             "copy": False, "index": False, "count": False},
    "dict": {"pop": True, "setdefault": True, "clear": True, "popitem": True,
             "get": False, "keys": False, "values": False, "items": False, "copy": False},
    "set": {"add": True, "discard": True, "remove": True, "pop": True, "clear": True, "copy": False},
}


def offset_lines(code):
    """{instruction byte offset: its line, None for an instruction without one} (also core_helpers.line_stores)."""
    lines = {}
    for start, end, line in code.co_lines():
        for offset in range(start, end, 2):
            lines[offset] = line
    return lines


def _augmented(ins):
    """A BINARY_OP of an augmented assignment (`x += y`: argrepr '+='), which may write the object in x."""
    return ins.opname == "BINARY_OP" and ins.argrepr.endswith("=")


# One instruction in 3.11's terms: `end` is where the next one starts (caches included), in bytes.
Instruction = collections.namedtuple("Instruction", "opname argval argrepr offset end")

# 3.13's pairs of loads and stores in one instruction, split in two (argval: the two names)
_PAIRS = {"LOAD_FAST_LOAD_FAST": ("LOAD_FAST", "LOAD_FAST"), "STORE_FAST_LOAD_FAST": ("STORE_FAST", "LOAD_FAST"),
          "STORE_FAST_STORE_FAST": ("STORE_FAST", "STORE_FAST")}


def _instructions(code):
    """The code's instructions as Instruction tuples: 3.12's method form of LOAD_ATTR is 3.11's LOAD_METHOD, and
    3.13's paired instructions are two at the same offset."""
    out = []
    for name, arg, argval, argrepr, offset, end in instructions(code):
        if name == "LOAD_ATTR" and sys.version_info >= (3, 12) and arg & 1:
            name = "LOAD_METHOD"
        pair = _PAIRS.get(name)
        if pair is not None:
            for half, value in zip(pair, argval):
                out.append(Instruction(half, value, value, offset, end))
            continue
        out.append(Instruction(name, argval, argrepr, offset, end))
    return out


def line_effects(code):
    """{line: (((start, end), ...), ((kind, slot, key), ...))} for the lines that change no existing object when
    their conditions hold and their calls (instruction ranges in code units, caches included) enter Python
    functions. Lines not in the dict may change anything. None: unusable (a line-less instruction may write)."""
    lines = offset_lines(code)
    varnames = code.co_varnames
    instructions = _instructions(code)
    method_calls = _method_calls(instructions, varnames)  # CALL index -> (local, method name)
    stores = {}  # line -> [slot, ...] of every instruction that rebinds a plain local
    for ins in instructions:
        line = lines.get(ins.offset)
        if ins.opname in _SLOT_STORES and line is not None and ins.argval in varnames:
            stores.setdefault(line, []).append(varnames.index(ins.argval))
    effects, impure = {}, set()
    for i, ins in enumerate(instructions):
        name, line = ins.opname, lines.get(ins.offset)
        if line is None:
            if name not in _LINELESS_OK:
                return None
            continue
        calls, conditions = effects.setdefault(line, ([], []))
        if name in _PURE_HERE or (name == "BINARY_OP" and not _augmented(ins)):  # `a + b` builds anew
            continue
        if name in _CALLS:
            method = method_calls.get(i)
            if method is not None and method[0] not in stores.get(line, ()):
                slot, method_name = method
                types = writes = 0
                for type_name, table in _METHODS.items():
                    if method_name in table:
                        types |= METHOD_TYPES[type_name]
                        writes |= METHOD_TYPES[type_name] if table[method_name] else 0
                conditions.append((METHOD, slot, types | writes << 4))
                continue
            calls.append((ins.offset // 2, ins.end // 2))
            continue
        found = _condition(instructions, i, varnames, stores.get(line, ()))
        if found is None:
            impure.add(line)
        else:
            conditions.extend(found)
    return {line: (tuple(calls), tuple(conditions)) for line, (calls, conditions) in effects.items()
            if line not in impure}


_SIMPLE_ARGUMENTS = frozenset(("LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_CONST", "LOAD_DEREF", "BINARY_OP", "COMPARE_OP",
                               "IS_OP", "UNARY_NEGATIVE", "UNARY_NOT", "UNARY_INVERT", "BUILD_TUPLE"))


def _method_calls(instructions, varnames):
    """{index of a CALL: (local, method name)} for `x.name(args)` on a plain local x, with arguments computed
    by a few value-building instructions only (no call, no attribute: the CALL after them is this method's)."""
    found = {}
    for i, ins in enumerate(instructions):
        if ins.opname != "LOAD_METHOD" or i == 0 or instructions[i - 1].opname not in ("LOAD_FAST", "LOAD_FAST_CHECK"):
            continue
        receiver = instructions[i - 1].argval
        if receiver not in varnames or not any(ins.argval in table for table in _METHODS.values()):
            continue
        j = i + 1
        while j < len(instructions) and instructions[j].opname in _SIMPLE_ARGUMENTS and not _augmented(
                instructions[j]):
            j += 1
        if j < len(instructions) and instructions[j].opname == "PRECALL":  # 3.11
            j += 1
        if j < len(instructions) and instructions[j].opname == "CALL":
            found[j] = (varnames.index(receiver), ins.argval)
    return found


# (pops, pushes) of the instructions an operand may be computed with, for finding which instruction produced it
_OPERAND_EFFECTS = {"LOAD_FAST": (0, 1), "LOAD_FAST_CHECK": (0, 1), "LOAD_CONST": (0, 1), "LOAD_DEREF": (0, 1),
                    "BINARY_OP": (2, 1), "BINARY_SUBSCR": (2, 1), "COMPARE_OP": (2, 1), "IS_OP": (2, 1),
                    "UNARY_NEGATIVE": (1, 1), "UNARY_INVERT": (1, 1), "UNARY_NOT": (1, 1)}


def _producer(instructions, i, depth):
    """Index of the instruction that pushed the value `depth` below the top of the stack (0: the top) just before
    instruction i, walking back over _OPERAND_EFFECTS instructions only; None when another one is in the way."""
    for j in range(i - 1, -1, -1):
        effect = _OPERAND_EFFECTS.get(instructions[j].opname)
        if effect is None or _augmented(instructions[j]):
            return None
        pops, pushes = effect
        if depth < pushes:
            return j
        depth += pops - pushes
    return None


def _condition(instructions, i, varnames, line_stores):
    """(kind, slot, key) conditions under which instruction i writes no existing object (or only a local's
    container), or None."""
    ins = instructions[i]

    def local_of(j):  # the plain local loaded by instruction j, if the line never rebinds it, else None
        if j is None or instructions[j].opname not in ("LOAD_FAST", "LOAD_FAST_CHECK"):
            return None
        name = instructions[j].argval
        slot = varnames.index(name) if name in varnames else None
        return slot if slot is not None and slot not in line_stores else None

    def operand(depth):  # the unchanged plain local the operand at `depth` was loaded from, or None
        return local_of(_producer(instructions, i, depth))

    name = ins.opname
    if name in ("UNPACK_SEQUENCE", "BINARY_SUBSCR", "CONTAINS_OP"):
        kind, depth = {"UNPACK_SEQUENCE": (SEQUENCE, 0), "BINARY_SUBSCR": (SUBSCRIPT, 1),
                       "CONTAINS_OP": (CONTAINER, 0)}[name]
        slot = operand(depth)
        return None if slot is None else [(kind, slot, -1)]
    if name == "STORE_SUBSCR":  # value, container, key: the key must be built from scalars (never a slice)
        container = _producer(instructions, i, 1)
        slot = local_of(container)
        if slot is None:
            return None
        conditions = [(STORE_ITEM, slot, -1)]
        for j in range(container + 1, i):
            op = instructions[j]
            if op.opname in ("LOAD_FAST", "LOAD_FAST_CHECK"):
                key = local_of(j)
                if key is None:
                    return None
                conditions.append((SCALAR, key, -1))
            elif op.opname == "LOAD_CONST":
                if type(op.argval) not in (str, int, float, bytes, bool, type(None)):
                    return None
            elif op.opname != "BINARY_OP":
                return None
        return conditions
    if name == "BINARY_SLICE":  # 3.12+: container, start, stop (a dict's __missing__ may see a slice as a key)
        slot = operand(2)
        return None if slot is None else [(SUBSCRIPT, slot, -1)]
    if name == "FOR_ITER":
        return [(FOR_LOOP, -1, -1)]
    if name == "BINARY_OP":  # augmented: `x += y` may extend the list in x; not when x then holds a scalar
        following = instructions[i + 1] if i + 1 < len(instructions) else None
        if following is None or following.opname != "STORE_FAST" or following.argval not in varnames:
            return None
        slot = varnames.index(following.argval)
        return [(SCALAR, slot, -1)] if line_stores.count(slot) == 1 else None
    return None
