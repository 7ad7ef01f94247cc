"""Which method a stopped case was running: the innermost frame of the student's own code in
the stack a case process dumps as it is stopped for its time (worker.py, with faulthandler).

Trusted side. The dump is untrusted text; the name comes from the student's file as it was
submitted (the intake's copy, out of the sandbox's reach), parsed with ``ast``, never run.
"""
from __future__ import annotations

import ast
import os
import re
from pathlib import Path

# faulthandler's line of one frame, most recent first: `  File "/x/code/net.py", line 12 in forward`
_FRAME = re.compile(r'^\s*File "(?P<file>[^"\n]+)", line (?P<line>\d+) in (?P<name>[\w<>.]+)\s*$')
_MAX_SOURCE_BYTES = 2 * 1024 * 1024


def innermost_student_frame(dump: str, code_dir: str, source_root: Path) -> str:
    """"Net.forward (net.py, line 12)" for the first frame of ``dump`` in a file
    under ``code_dir`` (the sandbox's copy of the submission); the file is read from
    ``source_root`` (the same files, as submitted). "" when no frame is the student's."""
    prefix = code_dir.rstrip("/") + "/"
    for text in dump.splitlines():
        match = _FRAME.match(text)
        if match is None or not match["file"].startswith(prefix):
            continue
        relative = os.path.normpath(match["file"][len(prefix):])
        if relative.startswith(".."):
            continue
        line = int(match["line"])
        name = _qualified_name(source_root, relative, line) or match["name"]
        return f"{name} ({relative}, line {line})"
    return ""


def _qualified_name(root: Path, relative: str, line: int) -> str | None:
    """The dotted name of the innermost function holding ``line`` (Class.method), or None."""
    root = root.resolve()
    path = (root / relative).resolve()
    if root not in path.parents or not path.is_file() or path.suffix != ".py":
        return None
    try:
        if path.stat().st_size > _MAX_SOURCE_BYTES:
            return None
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError, RecursionError):
        return None
    return _enclosing(tree, line, [])


def _enclosing(node: ast.AST, line: int, outer: list[str]) -> str | None:
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        end = getattr(child, "end_lineno", None) or child.lineno
        if child.lineno <= line <= end:
            found = _enclosing(child, line, [*outer, child.name])
            if found is not None:
                return found
            return ".".join([*outer, child.name]) if not isinstance(child, ast.ClassDef) else None
    return None
