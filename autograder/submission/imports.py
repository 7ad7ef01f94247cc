"""Which modules a submission imports, and which of them it may import.

Allowed: Python's standard library, the submission's own modules, and the third-party libraries
the assignment's policy allows to each file (autograder/policy.py: NumPy by default). The static scan
finds `import x`, `from x import y`, and `__import__("x")` / `importlib.import_module("x")` /
`exec("import x")` with literal strings, anywhere in a file (inside functions, `try` blocks and
`if` branches too). Names built at run time (`__import__("to" + "rch")`) are not resolved here:
the sandbox's runtime import blocker, which reads the same policy, refuses them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from autograder.policy import DEFAULT_POLICY, Policy, is_allowed

if TYPE_CHECKING:  # the sandbox imports this module in every case process: keep it light
    import ast
    from pathlib import Path

__all__ = ["imported_modules", "is_allowed", "notebook_imports", "own_module_names",
           "scan_imports"]

_IMPORT_FUNCTIONS = frozenset({"__import__", "import_module"})
_CODE_RUNNERS = frozenset({"exec", "eval", "compile"})
_MAX_NESTED_CODE = 3  # exec("exec('import x')") and deeper: left to the runtime blocker


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


def scan_imports(located, policy: Policy = DEFAULT_POLICY) -> list[str]:
    """Top-level names of the forbidden modules the submission's files import, sorted: each
    file is judged by what ``policy`` allows that file. ``located`` is a LocatedSubmission; a
    file that does not parse contributes nothing (the grader reports its syntax error per case)."""
    return sorted({name for names in forbidden_by_file(located, policy).values() for name in names})


def forbidden_by_file(located, policy: Policy = DEFAULT_POLICY) -> dict[str, list[str]]:
    """{path from the submission's root: the forbidden top-level names it imports}, for the
    files that import any."""
    own = own_module_names(located.root)
    found = {}
    for path in located.files:
        relative = path.relative_to(located.root).as_posix()
        allowed = policy.allowed_for(relative)
        names = sorted({name.partition(".")[0] for name in imported_modules(path.read_bytes())
                        if not is_allowed(name, allowed, own)})
        if names:
            found[relative] = names
    return found


def notebook_imports(located, policy: Policy = DEFAULT_POLICY) -> list[tuple[str, int, str]]:
    """``(notebook, cell, top-level name)`` for each forbidden import in the code cells (magics
    stripped; cells numbered as autograder/notebook_format.py says) of the submission's
    notebooks, each judged by the rule of the notebook's name (``policy.files`` may match
    ``*.ipynb``). A notebook that is not valid contributes nothing (its cases say why)."""
    from autograder.notebook_format import read_cells, strip_magics
    own = own_module_names(located.root)
    found = []
    for path in getattr(located, "notebooks", []):
        try:
            cells = read_cells(str(path))
        except (ValueError, OSError, MemoryError):
            continue
        allowed = policy.allowed_for(path.name)
        for cell in cells:
            if cell.kind != "code":
                continue
            code, _ = strip_magics(cell.source)
            for top in sorted({name.partition(".")[0] for name in imported_modules(code)
                               if not is_allowed(name, allowed, own)}):
                found.append((path.name, cell.number, top))
    return found
