# A code object's instructions read straight from co_code, in the terms of dis.get_instructions (CPython 3.11
# to 3.13), for line_effects.py and core_helpers.line_stores. It only fills in what those read: the opcode name,
# the offsets, argval for locals, constants and attribute or method names, and argrepr for BINARY_OP. Not dis:
# importing dis takes ~5 ms at start-up on 3.12/3.13 and reading one code object with it ~0.2-0.5 ms, paid for
# every recorded function. test/python/recorder/test_bytecode.py checks it against dis.
import _weakref
import opcode
import sys

_OPNAME = opcode.opname
_EXTENDED_ARG = opcode.opmap["EXTENDED_ARG"]
# cache code units after each instruction: a list by opcode, 3.13 by name (none before 3.11, where this module
# imports but is not used: line_effects and the C core read 3.11+ bytecode only)
_ENTRIES = getattr(opcode, "_inline_cache_entries", ())
_CACHES = tuple(_ENTRIES.get(name, 0) if isinstance(_ENTRIES, dict) else (_ENTRIES[op] if op < len(_ENTRIES) else 0)
                for op, name in enumerate(_OPNAME))
_BINARY_OP = opcode.opmap.get("BINARY_OP", -1)
_NB_SYMBOLS = tuple(symbol for _, symbol in getattr(opcode, "_nb_ops", ()))  # BINARY_OP's argrepr: "+", "+=", ...
_LOCALS = frozenset(opcode.haslocal)
_CONSTS = frozenset(opcode.hasconst)
_PAIRS = frozenset(opcode.opmap[name] for name in ("LOAD_FAST_LOAD_FAST", "STORE_FAST_LOAD_FAST",
                                                   "STORE_FAST_STORE_FAST") if name in opcode.opmap)
_LOAD_METHOD = opcode.opmap.get("LOAD_METHOD", -1)
_LOAD_ATTR = opcode.opmap["LOAD_ATTR"]
_ATTR_SHIFT = 1 if sys.version_info >= (3, 12) else 0  # 3.12+: the low bit of LOAD_ATTR's arg is the method form

# the code read last (weakly: it must not outlive the program's use of it) and its instructions: line_stores and
# line_effects read the same code one after the other
_last = (None, None)


def instructions(code):
    """[(opname, arg, argval, argrepr, offset, end)] as dis.get_instructions(code) gives them (caches skipped;
    `end`: where the next instruction starts, caches included, in bytes). argval is filled in for the
    instructions on locals (a pair of names for 3.13's paired ones), constants, LOAD_ATTR and LOAD_METHOD, and
    argrepr for BINARY_OP; elsewhere they are None and ""."""
    global _last
    if _last[0] is not None and _last[0]() is code:
        return _last[1]
    raw = code.co_code
    names, consts = code.co_names, code.co_consts
    varname = code._varname_from_oparg
    out = []
    extended = 0
    i, size = 0, len(raw)
    while i < size:
        op = raw[i]
        arg = raw[i + 1] | extended
        extended = arg << 8 if op == _EXTENDED_ARG else 0
        end = i + 2 + 2 * _CACHES[op]
        argval, argrepr = None, ""
        if op in _PAIRS:
            argval = (varname(arg >> 4), varname(arg & 15))
        elif op in _LOCALS:
            argval = varname(arg)
        elif op in _CONSTS:
            argval = consts[arg]
        elif op == _LOAD_ATTR:
            argval = names[arg >> _ATTR_SHIFT]
        elif op == _LOAD_METHOD:
            argval = names[arg]
        elif op == _BINARY_OP and arg < len(_NB_SYMBOLS):
            argrepr = _NB_SYMBOLS[arg]
        out.append((_OPNAME[op], arg, argval, argrepr, i, min(end, size)))
        i = end
    _last = (_weakref.ref(code), out)
    return out
