"""Which modules a submission imports, and which of them it may import.

Allowed: Python's standard library, NumPy, and the submission's own modules. The static scan
finds `import x`, `from x import y`, and `__import__("x")` / `importlib.import_module("x")` /
`exec("import x")` with literal strings, anywhere in a file (inside functions, `try` blocks and
`if` branches too). Names built at run time (`__import__("to" + "rch")`) are not resolved here:
the sandbox's runtime import blocker, which calls the same ``is_allowed``, refuses them.
"""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the sandbox imports this module in every case process: keep it light
    import ast
    from collections.abc import Collection
    from pathlib import Path

ALLOWED_THIRD_PARTY = frozenset({"numpy"})

_IMPORT_FUNCTIONS = frozenset({"__import__", "import_module"})
_CODE_RUNNERS = frozenset({"exec", "eval", "compile"})
_MAX_NESTED_CODE = 3  # exec("exec('import x')") and deeper: left to the runtime blocker


def is_allowed(top_level_name: str, own_modules: Collection[str] = frozenset()) -> bool:
    """True for the standard library, NumPy and the submission's own top-level modules.
    A dotted name is judged by its first component. Pure: no import, no file access."""
    top = top_level_name.partition(".")[0]
    return bool(top) and (top in own_modules or top in ALLOWED_THIRD_PARTY
                          or top in sys.stdlib_module_names or top.startswith(_STDLIB_PRIVATE))


# Standard-library modules missing from sys.stdlib_module_names because their name depends on
# the platform (sysconfig's data, imported by numpy.testing).
_STDLIB_PRIVATE = "_sysconfigdata_"


def imported_modules(source: bytes | str) -> list[str]:
    """Absolute module names the code imports, sorted, e.g. ["numpy.linalg", "os"].
    Relative imports are left out. Code that does not parse gives []."""
    import ast
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    return sorted(set(_names_in(tree, depth=0)))


def _names_in(tree: ast.AST, depth: int):
    import ast
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                yield node.module
        elif isinstance(node, ast.Call):
            called = _called_name(node.func)
            text = _literal_first_argument(node)
            if text is None:
                continue
            if called in _IMPORT_FUNCTIONS and _is_absolute_dynamic(node, text):
                yield text
            elif called in _CODE_RUNNERS and depth < _MAX_NESTED_CODE:
                try:
                    inner = ast.parse(text)
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    continue
                yield from _names_in(inner, depth + 1)


def _called_name(func: ast.expr) -> str | None:
    """`f(...)` -> "f"; `a.b.f(...)` -> "f" (so aliases like `il.import_module` are found)."""
    import ast
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _literal_first_argument(call: ast.Call) -> str | None:
    import ast
    first = call.args[0] if call.args else next(
        (kw.value for kw in call.keywords if kw.arg in ("name", "source")), None)
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


def _is_absolute_dynamic(call: ast.Call, name: str) -> bool:
    """`import_module(".x", pkg)` and `__import__("x", g, l, f, 1)` are relative imports."""
    import ast
    if not name or name.startswith("."):
        return False
    level = call.args[4] if len(call.args) > 4 else next(
        (kw.value for kw in call.keywords if kw.arg == "level"), None)
    return not (isinstance(level, ast.Constant) and isinstance(level.value, int) and level.value > 0)


def own_module_names(code_dir: Path) -> frozenset[str]:
    """Module names the submission provides: every folder and .py stem under ``code_dir``
    (its top level, and deeper ones too, so that `import helpers` inside `pkg/model.py` is
    not mistaken for a third-party library; at run time such an import simply fails)."""
    names = set()
    for path in code_dir.rglob("*"):
        rel = path.relative_to(code_dir)
        names.update(part for part in rel.parent.parts)
        names.add(rel.stem if path.suffix == ".py" else rel.name)
    return frozenset(name for name in names if name.isidentifier())


def scan_imports(located) -> list[str]:
    """Top-level names of the forbidden modules the submission's files import, sorted.
    ``located`` is a LocatedSubmission; a file that does not parse contributes nothing (the
    grader reports its syntax error per case)."""
    own = own_module_names(located.root)
    forbidden = set()
    for path in located.files:
        for name in imported_modules(path.read_bytes()):
            if not is_allowed(name, own):
                forbidden.add(name.partition(".")[0])
    return sorted(forbidden)
