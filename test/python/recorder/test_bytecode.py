# Tests of native/watercodeflow/bytecode.py against the interpreter's own dis module, on the interpreter that
# runs the suite (CPython 3.11-3.13): for every code object of a broad set of standard-library modules (and a
# few made to hit EXTENDED_ARG, 3.13's paired instructions and inlined comprehensions), the same instructions
# at the same offsets with the same ends, argval where bytecode.py fills it in and BINARY_OP's argrepr.
from __future__ import annotations

import dis
import importlib
import sys
import types
import unittest

from watercodeflow import bytecode

MODULES = ("argparse", "asyncio.base_events", "collections", "dataclasses", "decimal", "email.message",
           "enum", "functools", "http.client", "inspect", "json.decoder", "logging", "pathlib", "re._parser",
           "sqlite3.dbapi2", "subprocess", "tarfile", "threading", "typing", "unittest.case", "zipfile")

# Made to reach the less common forms: an argument past 255 (EXTENDED_ARG), many locals paired in one
# instruction (3.13), augmented assignment on each operator, a method call, an inlined comprehension (3.12+).
EXTRA = "\n".join(["def many():"] + ["    v%d = %d" % (i, i) for i in range(300)] + [
    "    v1, v2 = v2, v1",
    "    v3 += v4; v5 -= v6; v7 *= v8; v9 //= 3; v10 %= 7; v11 **= 2; v12 <<= 1; v13 >>= 1",
    "    v14 &= 1; v15 |= 2; v16 ^= 3; v17 /= 2; v18 @ v19 if False else None",
    "    d = {}; d.setdefault(v1, []).append(v2); d.x = v299",
    "    return [w + v298 for w in range(v20)], {k: v297 for k in range(3)}, v299",
    "class C:",
    "    def m(self): return super().m()",
])


def code_objects():
    found = {}

    def walk(code):
        if id(code) not in found:
            found[id(code)] = code
            for const in code.co_consts:
                if isinstance(const, types.CodeType):
                    walk(const)

    for name in MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, types.FunctionType):
                walk(value.__code__)
            elif isinstance(value, type):
                for member in vars(value).values():
                    if isinstance(member, types.FunctionType):
                        walk(member.__code__)
    walk(compile(EXTRA, "<bytecode_test>", "exec"))
    return list(found.values())


# (3.11's and 3.12's KW_NAMES gets its constant too, which 3.11's dis shows as "<unknown>"; nothing reads it)
FILLED_ARGVAL = {"LOAD_ATTR", "LOAD_METHOD", "LOAD_CONST", "RETURN_CONST"}


@unittest.skipIf(sys.version_info < (3, 11), "bytecode.py reads CPython 3.11-3.13 bytecode")
class AgainstDis(unittest.TestCase):
    def test_every_instruction_matches_dis(self):
        codes = code_objects()
        self.assertGreater(len(codes), 1000)
        checked = {"EXTENDED_ARG": 0, "pair": 0, "BINARY_OP": 0, "local": 0}
        for code in codes:
            expected = list(dis.get_instructions(code))
            got = bytecode.instructions(code)
            where = "%s (%s:%d)" % (code.co_qualname, code.co_filename, code.co_firstlineno)
            self.assertEqual([(i.opname, i.offset) for i in expected], [(g[0], g[4]) for g in got], where)
            ends = [i.offset for i in expected[1:]] + [len(code.co_code)]
            self.assertEqual(ends, [g[5] for g in got], where)
            for ins, (name, arg, argval, argrepr, offset, _) in zip(expected, got):
                if name in ("LOAD_FAST_LOAD_FAST", "STORE_FAST_LOAD_FAST", "STORE_FAST_STORE_FAST"):
                    checked["pair"] += 1
                    self.assertEqual(ins.argval, argval, (where, offset))
                elif ins.opcode in dis.haslocal:
                    checked["local"] += 1
                    self.assertEqual(ins.argval, argval, (where, offset))
                elif name in FILLED_ARGVAL:
                    self.assertEqual(ins.argval, argval, (where, offset, name))
                elif name == "BINARY_OP":
                    checked["BINARY_OP"] += 1
                    self.assertEqual(ins.argrepr, argrepr, (where, offset))
                if name == "LOAD_ATTR":
                    self.assertEqual(ins.arg, arg, (where, offset))
                if name == "EXTENDED_ARG":
                    checked["EXTENDED_ARG"] += 1
        self.assertGreater(checked["EXTENDED_ARG"], 0)
        self.assertGreater(checked["BINARY_OP"], 100)
        self.assertGreater(checked["local"], 1000)
        if sys.version_info >= (3, 13):
            self.assertGreater(checked["pair"], 100)

    def test_the_code_read_last_is_not_read_again(self):
        code = compile(EXTRA, "<bytecode_test>", "exec")
        first = bytecode.instructions(code)
        self.assertIs(first, bytecode.instructions(code))
        other = bytecode.instructions(compile("x = 1", "<other>", "exec"))
        self.assertNotEqual(first, other)
        again = bytecode.instructions(code)
        self.assertIsNot(first, again)
        self.assertEqual(first, again)

    def test_the_code_read_last_is_not_kept_alive(self):
        import gc
        import weakref

        code = compile("def gone(): return 1", "<bytecode_gone>", "exec").co_consts[0]
        bytecode.instructions(code)
        watch = weakref.ref(code)
        del code
        gc.collect()
        self.assertIsNone(watch())


if __name__ == "__main__":
    unittest.main()
