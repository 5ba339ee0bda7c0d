#!/usr/bin/env python3
# `python3 scripts/lint_python.py [FILE...]`: the Python checks of `npm run lint`, stdlib only (no PyPI here).
# Owns syntax-on-3.8, unused imports, undefined names, file headers, text style and the recorder/reader boundary
# of native/watercodeflow; it reads files only and never imports or runs the code it checks.
"""Findings print as `path:line:col: CODE message`, then one closing line; the exit status is 1 if any.

Codes follow flake8's where one exists, so `# noqa` and `# noqa: F401` mean what they mean there:
  E999 does not parse (on CPython 3.8 when it is installed)   F401 imported but unused
  F821 undefined name                                           E501 line longer than 120 characters
  W191 tab character                                            W291 trailing whitespace
  WCF1 no header comment or docstring saying what the file owns
  WCF2 a recorder module imports a reader module (or the other way round)
  WCF3 a module of native/watercodeflow is in neither list of the boundary
"""
import ast
import builtins
import glob
import io
import json
import os
import re
import subprocess
import sys
import tokenize

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_LINE = 120
SOURCES = ["native/watercodeflow/*.py", "native/libwcf/*.py", "native/wcfcore/*.py", "test/python/**/*.py",
           "scripts/*.py", "test/dap/tools/*.py", "test/native/*.py"]
# Files that must not parse: the recorder's own tests feed them to Python on purpose.
NOT_PYTHON = {"test/python/recorder/programs/syntax_error.py"}
PYTHON38 = sorted(glob.glob("/root/.pyenv/versions/3.8*/bin/python3"))

# The boundary inside native/watercodeflow (docs/architecture.md "Boundaries"). Recorder modules run inside the
# user's program; reader modules open finished recordings (inspect, export, tests). Neither side imports the
# other, not even lazily; shared modules (the format's codec, the C core's build location) import neither.
# __main__ dispatches to both.
RECORDER = ["__init__", "recorder*", "values", "writer", "tracer*", "launcher", "output_capture", "launch_channel",
            "buffers", "buffer_hooks", "buffer_layout", "buffer_wcf_driver", "core_*", "record_cli", "json_text",
            "justmycode", "options", "line_effects", "bytecode"]
READER = ["reader*", "inspect_cli", "cli_arguments", "export_*", "recording_expand", "recording_file",
          "recording_error",
          "recording_summary", "name_history", "change_stream", "scope_values", "stack_queries", "value_render",
          "buffer_history"]
SHARED = ["chunk_codec", "wcfcore_location"]
ENTRY = ["__main__"]
PACKAGE = "native/watercodeflow/"

MODULE_GLOBALS = {"__file__", "__name__", "__doc__", "__spec__", "__loader__", "__package__", "__builtins__",
                  "__path__", "__annotations__", "__debug__", "__class__", "WindowsError"}
BUILTINS = set(dir(builtins)) | MODULE_GLOBALS


class Findings:
    def __init__(self):
        self.items = []

    def add(self, path, line, col, code, message, noqa=None):
        if noqa is not None:
            codes = noqa.get(line, ())
            if codes is None or code in codes:
                return
        self.items.append((path, line, col, code, message))


def noqa_lines(source):
    """Line -> None (a bare `# noqa`: everything) or the set of codes a `# noqa: X, Y` comment names."""
    found = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type != tokenize.COMMENT:
                continue
            m = re.search(r"#\s*noqa(?::\s*([A-Z0-9]+(?:[,\s]+[A-Z0-9]+)*))?", tok.string, re.I)
            if m:
                found[tok.start[0]] = None if not m.group(1) else set(re.split(r"[,\s]+", m.group(1).upper()))
    except (tokenize.TokenError, SyntaxError):
        pass
    return found


def check_text(rel, source, findings, noqa):
    """Line length, tabs and trailing whitespace: the checks shared with C files (scripts/lint_c.py)."""
    for number, line in enumerate(source.splitlines(), 1):
        if len(line) > MAX_LINE:
            findings.add(rel, number, MAX_LINE + 1, "E501", f"line has {len(line)} characters (at most {MAX_LINE})",
                         noqa)
        if "\t" in line:
            findings.add(rel, number, line.index("\t") + 1, "W191", "tab character (indent with spaces)", noqa)
        if line != line.rstrip():
            findings.add(rel, number, len(line.rstrip()) + 1, "W291", "trailing whitespace", noqa)


def check_header(rel, source, tree, findings):
    lines = source.splitlines()
    index = 0
    while index < len(lines) and (lines[index].startswith("#!") or re.match(r"#.*coding[:=]", lines[index])):
        index += 1
    first = lines[index] if index < len(lines) else ""
    comment = first.startswith("#") and len(first.strip("# ")) >= 10 and not re.match(r"#\s*(noqa|type:|@)", first)
    docstring = tree is not None and ast.get_docstring(tree, clean=False) and tree.body[0].lineno == index + 1
    if not (comment or docstring):
        findings.add(rel, index + 1, 1, "WCF1", "the file must open with a comment or docstring saying what it owns")


class Scope:
    def __init__(self, kind, parent):
        self.kind, self.parent = kind, parent
        self.bindings, self.globals = set(), set()


class Names(ast.NodeVisitor):
    """Scopes with their bindings, every name read (with its scope) and every import binding."""

    def __init__(self):
        self.module = Scope("module", None)
        self.scope = self.module
        self.loads = []  # (scope, name, node)
        self.imports = []  # (scope, bound name, node, re-exported)
        self.star_import = False
        self.strings = set()  # names inside string annotations (forward references)

    def bind(self, name, scope=None):
        scope = scope or self.scope
        (self.module if name in scope.globals else scope).bindings.add(name)

    def in_scope(self, kind, body, setup=None):
        outer, self.scope = self.scope, Scope(kind, self.scope)
        if setup:
            setup()
        for node in body:
            self.visit(node)
        self.scope = outer

    def annotation(self, node):
        if node is None:
            return
        for sub in ast.walk(node):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                try:
                    self.strings.update(n.id for n in ast.walk(ast.parse(sub.value, mode="eval"))
                                        if isinstance(n, ast.Name))
                except SyntaxError:
                    pass
        self.visit(node)

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Store):
            self.bind(node.id)
        else:
            self.loads.append((self.scope, node.id, node))

    def visit_AugAssign(self, node):
        if isinstance(node.target, ast.Name):
            self.loads.append((self.scope, node.target.id, node.target))
        self.generic_visit(node)

    def visit_NamedExpr(self, node):
        scope = self.scope
        while scope.kind == "comprehension":
            scope = scope.parent
        self.bind(node.target.id, scope)
        self.visit(node.value)

    def visit_Global(self, node):
        self.scope.globals.update(node.names)
        self.module.bindings.update(node.names)

    def visit_Nonlocal(self, node):
        self.scope.bindings.update(node.names)  # bound in an enclosing function, which the compiler checked

    def visit_Import(self, node):
        for alias in node.names:
            name = alias.asname or alias.name.split(".")[0]
            self.bind(name)
            self.imports.append((self.scope, name, node, alias.asname is not None and alias.asname == alias.name))

    def visit_ImportFrom(self, node):
        for alias in node.names:
            if alias.name == "*":
                self.star_import = True
                continue
            name = alias.asname or alias.name
            self.bind(name)
            if node.module != "__future__":
                self.imports.append((self.scope, name, node, alias.asname == alias.name))

    def visit_ExceptHandler(self, node):
        if node.name:
            self.bind(node.name)
        self.generic_visit(node)

    def _arguments(self, args):
        for arg in args.posonlyargs + args.args + args.kwonlyargs + [a for a in (args.vararg, args.kwarg) if a]:
            self.bind(arg.arg)

    def _function(self, node, body):
        for default in node.args.defaults + [d for d in node.args.kw_defaults if d]:
            self.visit(default)
        self.in_scope("function", body, lambda: self._arguments(node.args))

    def visit_FunctionDef(self, node):
        for decorator in node.decorator_list:
            self.visit(decorator)
        for arg in node.args.posonlyargs + node.args.args + node.args.kwonlyargs + [
                a for a in (node.args.vararg, node.args.kwarg) if a]:
            self.annotation(arg.annotation)
        self.annotation(node.returns)
        self.bind(node.name)
        self._function(node, node.body)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self._function(node, [node.body])

    def visit_AnnAssign(self, node):
        self.annotation(node.annotation)
        self.visit(node.target)
        if node.value:
            self.visit(node.value)

    def visit_ClassDef(self, node):
        for sub in node.decorator_list + node.bases + node.keywords:
            self.visit(sub)
        self.bind(node.name)
        self.in_scope("class", node.body)

    def _comprehension(self, node, results):
        generators = node.generators
        self.visit(generators[0].iter)  # evaluated in the enclosing scope

        def rest():
            for index, gen in enumerate(generators):
                self.visit(gen.target)
                if index:
                    self.visit(gen.iter)
                for cond in gen.ifs:
                    self.visit(cond)
        self.in_scope("comprehension", results, rest)

    def visit_ListComp(self, node):
        self._comprehension(node, [node.elt])

    visit_SetComp = visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node):
        self._comprehension(node, [node.key, node.value])

    # Structural pattern matching (3.10+): capture names.
    def visit_MatchAs(self, node):
        if node.name:
            self.bind(node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node):
        if node.name:
            self.bind(node.name)

    def visit_MatchMapping(self, node):
        if node.rest:
            self.bind(node.rest)
        self.generic_visit(node)


def resolves(scope, name, module):
    if name in scope.globals:
        return name in module.bindings or name in BUILTINS
    current = scope
    while current is not None:
        if (current is scope or current.kind != "class") and name in current.bindings:
            return True
        current = current.parent
    return name in BUILTINS


def dunder_all(tree):
    names = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, (ast.AugAssign, ast.AnnAssign)) else []
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets) and isinstance(
                node.value, (ast.List, ast.Tuple)):
            names += [(e.value, e) for e in node.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return names


def within(scope, inner):
    while inner is not None:
        if inner is scope:
            return True
        inner = inner.parent
    return False


def check_names(rel, tree, findings, noqa):
    names = Names()
    names.visit(tree)
    exported = dunder_all(tree)
    exported_names = {name for name, _ in exported}
    read_in = {}
    for scope, name, _node in names.loads:
        read_in.setdefault(name, []).append(scope)
    for scope, name, node, reexport in names.imports:
        if reexport or name in names.strings or (scope is names.module and name in exported_names):
            continue
        if any(within(scope, reader) for reader in read_in.get(name, ())):
            continue
        lines = range(node.lineno, (getattr(node, "end_lineno", None) or node.lineno) + 1)
        if any(line in noqa and (noqa[line] is None or "F401" in noqa[line]) for line in lines):
            continue
        findings.add(rel, node.lineno, node.col_offset + 1, "F401", f"'{name}' imported but unused")
    if names.star_import:
        return
    for scope, name, node in names.loads:
        if not resolves(scope, name, names.module):
            findings.add(rel, node.lineno, node.col_offset + 1, "F821", f"undefined name '{name}'", noqa)
    for name, node in exported:
        if name not in names.module.bindings:
            findings.add(rel, node.lineno, node.col_offset + 1, "F821", f"'{name}' in __all__ is not defined", noqa)


def side_of(module):
    for side, patterns in (("recorder", RECORDER), ("reader", READER), ("shared", SHARED), ("entry", ENTRY)):
        if any(re.fullmatch(p.replace("*", ".*"), module) for p in patterns):
            return side
    return None


def package_imports(tree, module):
    """(node, module of watercodeflow) for every import of a sibling module, relative or absolute, anywhere."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level == 1 or (node.level == 0 and (base == "watercodeflow" or base.startswith("watercodeflow."))):
                parts = base.split(".")[1:] if node.level == 0 else ([base] if base else [])
                targets = [parts[0]] if parts and parts[0] else [a.name for a in node.names]
                for target in targets:
                    yield node, target.split(".")[0]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("watercodeflow."):
                    yield node, alias.name.split(".")[1]


ALLOWED = {"recorder": {"recorder", "shared"}, "reader": {"reader", "shared"}, "shared": {"shared"},
           "entry": {"recorder", "reader", "shared", "entry"}}


def check_boundary(rel, tree, findings, noqa):
    module = os.path.splitext(os.path.basename(rel))[0]
    side = side_of(module)
    if side is None:
        findings.add(rel, 1, 1, "WCF3", "not in the recorder or reader list of scripts/lint_python.py: add it to the "
                     "side it belongs to (does it run inside the user's program?)")
        return
    for node, target in package_imports(tree, module):
        target_side = side_of(target)
        if target_side is not None and target_side not in ALLOWED[side]:
            findings.add(rel, node.lineno, node.col_offset + 1, "WCF2",
                         f"{side} module {module} imports {target_side} module {target} (docs/architecture.md "
                         f"\"Boundaries\")", noqa)


# Compiles every file given on stdin (a JSON list) on the interpreter that runs it; prints the failures.
COMPILE_SCRIPT = """
import json, sys
for path in json.load(sys.stdin):
    try:
        with open(path, 'rb') as f:
            compile(f.read(), path, 'exec', 0x400, dont_inherit=True)
    except SyntaxError as e:
        print(json.dumps([path, e.lineno or 1, e.offset or 1, e.msg]))
"""


def check_syntax_38(paths, findings):
    """E999 on CPython 3.8 itself when it is installed, else ast's feature_version (which misses a few forms)."""
    if PYTHON38:
        run = subprocess.run([PYTHON38[-1], "-c", COMPILE_SCRIPT], input=json.dumps(paths), capture_output=True,
                             text=True, check=False)
        for line in run.stdout.splitlines():
            path, line_no, col, msg = json.loads(line)
            findings.add(os.path.relpath(path, ROOT), line_no, col, "E999", f"does not parse on CPython 3.8: {msg}")
        return "CPython 3.8"
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                ast.parse(f.read(), path, feature_version=(3, 8))
        except SyntaxError as e:
            findings.add(os.path.relpath(path, ROOT), e.lineno or 1, e.offset or 1, "E999",
                         f"does not parse as Python 3.8: {e.msg}")
    return "ast feature_version=(3, 8): no CPython 3.8 found"


def source_files(args):
    if args:
        return sorted(os.path.relpath(os.path.abspath(a), ROOT) for a in args)
    found = set()
    for pattern in SOURCES:
        found.update(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, pattern), recursive=True))
    return sorted(p for p in found if "__pycache__" not in p and "/_builds/" not in p)


def lint(files):
    findings = Findings()
    python_files = [f for f in files if f not in NOT_PYTHON]
    how = check_syntax_38([os.path.join(ROOT, f) for f in python_files], findings)
    for rel in python_files:
        with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
            source = f.read()
        noqa = noqa_lines(source)
        check_text(rel, source, findings, noqa)
        try:
            tree = ast.parse(source, rel)
        except SyntaxError as e:
            findings.add(rel, e.lineno or 1, e.offset or 1, "E999", f"does not parse: {e.msg}")
            check_header(rel, source, None, findings)
            continue
        check_header(rel, source, tree, findings)
        check_names(rel, tree, findings, noqa)
        if rel.startswith(PACKAGE) and rel.count("/") == PACKAGE.count("/"):
            check_boundary(rel, tree, findings, noqa)
    return findings, how, len(python_files)


def main(argv):
    findings, how, count = lint(source_files(argv[1:]))
    for path, line, col, code, message in sorted(findings.items):
        print(f"{path}:{line}:{col}: {code} {message}")
    print(f"lint_python: {count} files, {len(findings.items)} findings (syntax checked with {how})")
    return 1 if findings.items else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
