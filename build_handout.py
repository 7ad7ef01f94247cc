"""Build each assignment's student handout from its solution and the student-facing parts of
the kit.

    python build_handout.py [--assignment NAME] [--check] [--out DIR]
    python build_handout.py --zip NAME [--zip-to PATH]

solution/<name>/handout.toml says which source paths go where (handout/<name>/ by default),
what is build debris and what is instructor-only. Every .py and .ipynb that ships goes through
the stripper (markers are documented in docs/build_handout.md). Before anything is written the
fresh handout is proved: every .py parses and the configured packages import; every stripped
function raises NotImplementedError; no solution line, hidden case or hidden reference is
present; two renders (and two zips) are byte-identical. A handout that fails a proof is never
written. The committed handout holds no grader: ``--zip`` writes the archive students download,
the handout plus the student copy of the engine, so that ``python -m autograder grade .`` runs
the visible cases offline from the unzipped folder.

Errors are one line, `path:line: message`, exit status 1; command-line mistakes exit 2.
"""
from __future__ import annotations

import argparse
import ast
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import tokenize
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent
CONFIG_NAME = "handout.toml"
ZIP_FOLDER = "build"

BEGIN_RE = re.compile(r"^(?P<indent>[ \t]*)#[ \t]*BEGIN SOLUTION(?::(?P<prompt>.*))?$")
END_RE = re.compile(r"^(?P<indent>[ \t]*)#[ \t]*END SOLUTION[ \t]*$")
LINE_MARKER_RE = re.compile(r"#[ \t]*SOLUTION[ \t]*$")
ANY_BLOCK_MARKER_RE = re.compile(r"(BEGIN|END) SOLUTION")
MAGIC_RE = re.compile(r"^([ \t]*)[%!]")
SOLUTION_TAG = "solution"
ANSWER_PLACEHOLDER = "YOUR ANSWER HERE"
FILE_MODE = 0o644
DIR_MODE = 0o755
VERIFY_TIMEOUT_SECONDS = 30


class BuildError(Exception):
    """A problem the instructor must fix; str() is the one-line `path:line: message`."""

    def __init__(self, where: str, message: str, line: int | None = None):
        location = f"{where}:{line}" if line is not None else where
        super().__init__(f"{location}: {message}")


# --------------------------------------------------------------------------- configuration

@dataclass
class Mapping:
    source: str   # repository-relative file or folder
    dest: str     # handout-relative place


@dataclass
class Config:
    name: str                                 # the assignment
    where: str                                # the config file, repository-relative
    out: str
    maps: list[Mapping]
    skip: list[str]
    instructor_only: list[str]
    hidden_case_specs: list[str]
    import_packages: list[str]
    leak_allow: list[tuple[str, list[str]]]   # (normalised solution line, handout path globs)
    public_sources: list[str]                 # sources whose unmarked lines are public by design


def assignment_names(root: Path) -> list[str]:
    """Every assignment with a handout: solution/<name>/handout.toml."""
    return sorted(p.parent.name for p in (root / "solution").glob(f"*/{CONFIG_NAME}"))


def load_config(root: Path, name: str) -> Config:
    where = f"solution/{name}/{CONFIG_NAME}"
    path = root / where
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BuildError(where, "missing (it says what goes into the handout)") from None
    except tomllib.TOMLDecodeError as exc:
        raise BuildError(where, f"not valid TOML: {exc}") from None

    def strings(key: str, table: dict = data) -> list[str]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BuildError(where, f"'{key}' must be a list of strings")
        return value

    maps = []
    for entry in data.get("map", []):
        if not isinstance(entry.get("from"), str) or not isinstance(entry.get("to"), str):
            raise BuildError(where, "every [[map]] needs string 'from' and 'to'")
        maps.append(Mapping(entry["from"].strip("/"), entry["to"].strip("/")))
    if not maps:
        raise BuildError(where, "no [[map]] entries: nothing would be shipped")
    out = data.get("out", f"handout/{name}")
    if not isinstance(out, str) or not out:
        raise BuildError(where, "'out' must be a folder name")
    leak_allow = []
    for entry in data.get("leak_allow", []):
        if not isinstance(entry.get("line"), str) or not entry.get("reason"):
            raise BuildError(where, "every [[leak_allow]] needs a 'line' and a 'reason'")
        leak_allow.append((normalise(entry["line"]), strings("files", entry)))
    leak_check = data.get("leak_check", {})
    return Config(name=name, where=where, out=out, maps=maps, skip=strings("skip"),
                  leak_allow=leak_allow,
                  public_sources=strings("public_sources", leak_check),
                  instructor_only=strings("instructor_only"),
                  hidden_case_specs=strings("hidden_case_specs"),
                  import_packages=strings("import", data.get("verify", {})))


def glob_to_regex(pattern: str) -> re.Pattern:
    """'*' stays inside one path segment, '**' crosses segments, '?' is one character."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def matches_any(rel_path: str, patterns: list[str]) -> bool:
    """True if the path, or a folder above it, matches a pattern. A pattern without '/'
    matches a file or folder name at any depth."""
    parts = rel_path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    for pattern in patterns:
        regex = glob_to_regex(pattern.strip("/"))
        candidates = parts if "/" not in pattern.strip("/") else prefixes
        if any(regex.match(candidate) for candidate in candidates):
            return True
    return False


# --------------------------------------------------------------------------- python stripper

@dataclass
class Block:
    begin: int            # 1-based line of BEGIN SOLUTION
    end: int              # 1-based line of END SOLUTION
    indent: str
    prompt: str


@dataclass
class StripResult:
    text: str
    functions: list[str] = field(default_factory=list)   # qualnames whose body raises now


def _mask_magics(lines: list[str]) -> list[str]:
    """Notebook lines starting with % or ! (IPython) become `pass` so Python tools can read them."""
    return [MAGIC_RE.sub(lambda m: m.group(1) + "pass  #", line, count=1) for line in lines]


def _tokens(text: str, where: str, line_offset: int = 0) -> list[tokenize.TokenInfo]:
    try:
        return list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError) as exc:
        line = getattr(exc, "lineno", None) or (exc.args[1][0] if len(exc.args) > 1 else 1)
        message = "does not parse as Python"
        try:   # the parser names the real culprit; the tokenizer only sees the end of file
            ast.parse(text)
        except SyntaxError as parse_error:
            line, message = parse_error.lineno or line, f"{message}: {parse_error.msg}"
        raise BuildError(where, message, line + line_offset) from None


def _find_markers(text: str, where: str, line_offset: int):
    """Return (blocks, line_markers, tokens); line_markers maps a row to its COMMENT token."""
    toks = _tokens(text, where, line_offset)
    lines = text.splitlines()
    blocks: list[Block] = []
    line_markers: dict[int, tokenize.TokenInfo] = {}
    open_block: Block | None = None
    code_rows = {t.start[0] for t in toks if t.type not in (
        tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
        tokenize.ENDMARKER)}
    for index, tok in enumerate(toks):
        row = tok.start[0]
        if tok.type == tokenize.STRING:
            if ANY_BLOCK_MARKER_RE.search(tok.string) or any(
                    LINE_MARKER_RE.search(part) for part in tok.string.splitlines()):
                offset = next((k for k, part in enumerate(tok.string.splitlines())
                               if ANY_BLOCK_MARKER_RE.search(part) or LINE_MARKER_RE.search(part)), 0)
                raise BuildError(where, "solution marker inside a string literal",
                                 row + offset + line_offset)
            continue
        if tok.type != tokenize.COMMENT:
            continue
        # The regexes anchor the whole physical line, so a marker after code is "malformed".
        begin = BEGIN_RE.match(lines[row - 1].rstrip())
        end = END_RE.match(lines[row - 1].rstrip())
        if begin:
            if open_block is not None:
                raise BuildError(where, "nested BEGIN SOLUTION (the block opened at line "
                                 f"{open_block.begin + line_offset} is still open)",
                                 row + line_offset)
            open_block = Block(row, 0, begin.group("indent"),
                               (begin.group("prompt") or "").strip())
        elif end:
            if open_block is None:
                raise BuildError(where, "END SOLUTION without a BEGIN SOLUTION", row + line_offset)
            if end.group("indent") != open_block.indent:
                raise BuildError(where, "END SOLUTION is indented differently from its BEGIN "
                                 f"SOLUTION at line {open_block.begin + line_offset}",
                                 row + line_offset)
            open_block.end = row
            blocks.append(open_block)
            open_block = None
        elif ANY_BLOCK_MARKER_RE.search(tok.string):
            raise BuildError(where, "malformed solution marker: write `# BEGIN SOLUTION`, "
                             "`# BEGIN SOLUTION: <prompt>` or `# END SOLUTION` on a line of its own",
                             row + line_offset)
        elif LINE_MARKER_RE.search(tok.string) and open_block is None:
            if row not in code_rows:
                raise BuildError(where, "`# SOLUTION` must end a line of code", row + line_offset)
            if toks[index + 1].type != tokenize.NEWLINE:
                raise BuildError(where, "`# SOLUTION` must end a whole statement, not a line "
                                 "inside brackets", row + line_offset)
            line_markers[row] = tok
    if open_block is not None:
        raise BuildError(where, "BEGIN SOLUTION without an END SOLUTION",
                         open_block.begin + line_offset)
    return blocks, line_markers, toks


def _logical_line_starts(toks: list[tokenize.TokenInfo]) -> dict[int, int]:
    """Map every row to the row where its logical line starts."""
    starts: dict[int, int] = {}
    current = None
    for tok in toks:
        if tok.type in (tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
            continue
        if current is None and tok.type not in (tokenize.NL, tokenize.COMMENT):
            current = tok.start[0]
        if current is not None:
            for row in range(tok.start[0], tok.end[0] + 1):
                starts.setdefault(row, current)
        if tok.type == tokenize.NEWLINE:
            current = None
    return starts


def _enclosing_callable(tree: ast.AST, row: int) -> str | None:
    """Qualified name of the function around `row` (None outside any function). A block in a
    nested function is checked through the outermost function, the one callers can reach."""
    chain: list[ast.AST] = []
    nodes = list(ast.iter_child_nodes(tree))
    while nodes:
        inside = [n for n in nodes if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                     ast.ClassDef))
                  and n.lineno < row and _body_end(n) >= row]
        if not inside:
            break
        chain.append(inside[0])
        nodes = list(ast.iter_child_nodes(inside[0]))
    callable_parts = []
    for node in chain:
        callable_parts.append(node.name)
        if not isinstance(node, ast.ClassDef):
            return ".".join(callable_parts)
    return None


def _body_end(node: ast.AST) -> int:
    """A def's last line, counting trailing comment lines that are indented like its body
    (END SOLUTION usually sits after the last statement)."""
    return getattr(node, "_body_end", node.end_lineno)


def _annotate_body_ends(tree: ast.AST, lines: list[str]) -> None:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body_indent = node.body[0].col_offset
            end = node.end_lineno
            while end < len(lines):
                nxt = lines[end]
                stripped = nxt.strip()
                if stripped and not stripped.startswith("#"):
                    break
                if stripped and len(nxt) - len(nxt.lstrip()) < body_indent:
                    break
                end += 1
            node._body_end = end


def _module_level_stub(block_lines: list[str], block: Block, where: str,
                       line_offset: int) -> list[str]:
    """Outside a function: keep the names the block binds, with `...` as their value."""
    source = textwrap.dedent("\n".join(block_lines))
    try:
        statements = ast.parse(source).body
    except SyntaxError:
        raise BuildError(where, "a solution block outside a function must hold complete "
                         "statements", block.begin + line_offset) from None
    stub = []
    for stmt in statements:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            raise BuildError(where, f"'{stmt.name}' is defined inside a solution block: put the "
                             "def/class outside and mark its body", block.begin + line_offset)
        targets = stmt.targets if isinstance(stmt, ast.Assign) else (
            [stmt.target] if isinstance(stmt, ast.AnnAssign) else [])
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name) and isinstance(name.ctx, ast.Store):
                    line = f"{block.indent}{name.id} = ..."
                    if line not in stub:
                        stub.append(line)
    return stub or [f"{block.indent}..."]


def _line_marker_stub(row: int, lines: list[str], toks: list[tokenize.TokenInfo],
                      logical_start: dict[int, int], where: str, line_offset: int):
    """`lhs = rhs  # SOLUTION` -> `lhs = ...`; returns (first_row, last_row, new_line)."""
    first = logical_start[row]
    depth = 0
    for tok in toks:
        if tok.start[0] < first or tok.start[0] > row:
            continue
        if tok.type == tokenize.OP and tok.string in "([{":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
        elif tok.type == tokenize.OP and tok.string == "=" and depth == 0:
            end_row, end_col = tok.end
            text = "\n".join(lines[first - 1:end_row])
            cut = len(text) - (len(lines[end_row - 1]) - end_col)
            return first, row, text[:cut] + " ..."
    raise BuildError(where, "`# SOLUTION` needs an assignment (`name = value  # SOLUTION`)",
                     row + line_offset)


def strip_python(text: str, where: str, notebook_cell: bool = False,
                 line_offset: int = 0) -> StripResult:
    """Replace solution blocks and `# SOLUTION` lines; raise BuildError on any marker problem.

    In a function a block becomes `raise NotImplementedError` at the block's indentation, with
    `# TODO: <prompt>` above it. Outside a function it becomes the TODO plus `name = ...` for
    each name the block assigns (or `...`) so the module still imports; in a notebook cell it
    becomes `raise NotImplementedError`, so running the cell says what is missing.
    """
    lines = text.splitlines()
    analysed = _mask_magics(lines) if notebook_cell else lines
    analysed_text = "\n".join(analysed) + "\n"
    blocks, line_markers, toks = _find_markers(analysed_text, where, line_offset)
    if not blocks and not line_markers:
        return StripResult(text)
    try:
        tree = ast.parse(analysed_text)
    except SyntaxError as exc:
        raise BuildError(where, f"does not parse as Python: {exc.msg}",
                         (exc.lineno or 1) + line_offset) from None
    _annotate_body_ends(tree, analysed)
    logical_start = _logical_line_starts(toks)

    replacements: dict[int, tuple[int, list[str]]] = {}   # first row -> (last row, new lines)
    functions: list[str] = []
    for block in blocks:
        first_code = True
        for row in range(block.begin + 1, block.end):
            line = analysed[row - 1]
            if logical_start.get(row) == row and line.strip() and not line.strip().startswith("#"):
                indent = len(line) - len(line.lstrip())
                if indent < len(block.indent) or (first_code and indent != len(block.indent)):
                    raise BuildError(where, "code in a solution block must be indented like "
                                     "its BEGIN SOLUTION line", row + line_offset)
                first_code = False
        function = _enclosing_callable(tree, block.begin)
        stub = [f"{block.indent}# TODO: {block.prompt}"] if block.prompt else []
        if function is not None:
            stub.append(f"{block.indent}raise NotImplementedError")
            if function not in functions:
                functions.append(function)
        elif notebook_cell:
            stub.append(f"{block.indent}raise NotImplementedError")
        else:
            stub += _module_level_stub(analysed[block.begin:block.end - 1], block, where,
                                       line_offset)
        replacements[block.begin] = (block.end, stub)
    for row in line_markers:
        first, last, new_text = _line_marker_stub(row, analysed, toks, logical_start, where,
                                                  line_offset)
        replacements[first] = (last, new_text.splitlines())

    out: list[tuple[int, str]] = []   # (source row, text) so errors can name the source line
    row = 1
    while row <= len(lines):
        if row in replacements:
            last, new_lines = replacements[row]
            out += [(row, line) for line in new_lines]
            row = last + 1
        else:
            out.append((row, lines[row - 1]))
            row += 1
    new_text = "\n".join(line for _, line in out) + ("\n" if text.endswith("\n") else "")
    checked = "\n".join(_mask_magics([line for _, line in out])) if notebook_cell else new_text
    try:
        ast.parse(checked)
    except SyntaxError as exc:
        source_row = out[min(max((exc.lineno or 1) - 1, 0), len(out) - 1)][0] if out else 1
        raise BuildError(where, f"no longer parses after stripping: {exc.msg}",
                         source_row + line_offset) from None
    return StripResult(new_text, functions)


# --------------------------------------------------------------------------- notebook stripper

def _is_tagged_solution(cell: dict) -> bool:
    return SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def strip_notebook(text: str, where: str) -> str:
    """Strip code cells like .py files, replace `solution`-tagged cells, clear every output."""
    import nbformat

    try:
        nb = nbformat.reads(text, as_version=4)
    except (ValueError, KeyError, TypeError) as exc:
        raise BuildError(where, f"not a readable notebook: {exc}") from None
    for index, cell in enumerate(nb.cells):
        cell_where = f"{where}[cell {index}]"
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            if _is_tagged_solution(cell):
                cell.source = "# YOUR CODE HERE\nraise NotImplementedError"
            else:
                cell.source = strip_python(cell.source, cell_where, notebook_cell=True).text
        elif cell.cell_type == "markdown" and _is_tagged_solution(cell):
            cell.source = ANSWER_PLACEHOLDER
            cell.pop("attachments", None)
        elif ANY_BLOCK_MARKER_RE.search(cell.source):
            raise BuildError(cell_where, "solution markers only work in code cells; tag a "
                             "markdown answer cell `solution` instead")
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        raise BuildError(where, f"stripped notebook is not valid: {exc.message}") from None
    return nbformat.writes(nb, version=4).rstrip("\n") + "\n"


# --------------------------------------------------------------------------- rendering

@dataclass
class Rendered:
    files: dict[str, bytes]                           # handout-relative path -> content
    sources: dict[str, str]                           # handout path -> repository path
    stubbed: list[tuple[str, str]]                    # (module, qualname) that must raise NIE


def plan_files(root: Path, config: Config) -> list[tuple[str, str]]:
    """(repository path, handout path) for every file that ships, sorted by handout path."""
    planned: dict[str, str] = {}
    for mapping in config.maps:
        source = root / mapping.source
        if not source.exists():
            raise BuildError(config.where, f"map source '{mapping.source}' does not exist")
        if source.is_file():
            pairs = [(mapping.source, mapping.dest)]
        else:
            pairs = []
            for path in sorted(source.rglob("*")):
                if path.is_file():
                    rel = path.relative_to(source).as_posix()
                    pairs.append((f"{mapping.source}/{rel}", f"{mapping.dest}/{rel}"))
        for src, dest in pairs:
            if matches_any(src, config.skip) or matches_any(src, config.instructor_only):
                continue
            if dest in planned and planned[dest] != src:
                raise BuildError(config.where, f"'{planned[dest]}' and '{src}' both map to "
                                 f"{config.out}/{dest}")
            planned[dest] = src
    return sorted((src, dest) for dest, src in planned.items())


def module_name(handout_path: str) -> str:
    parts = handout_path[:-len(".py")].split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def render(root: Path, config: Config) -> Rendered:
    files: dict[str, bytes] = {}
    sources: dict[str, str] = {}
    stubbed: list[tuple[str, str]] = []
    for src, dest in plan_files(root, config):
        data = (root / src).read_bytes()
        if dest.endswith(".py"):
            result = strip_python(_decode(data, src), src)
            data = result.text.encode("utf-8")
            stubbed += [(module_name(dest), name) for name in result.functions]
        elif dest.endswith(".ipynb"):
            data = strip_notebook(_decode(data, src), src).encode("utf-8")
        files[dest] = data
        sources[dest] = src
    return Rendered(files, sources, stubbed)


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise BuildError(where, "is not UTF-8 text") from None


def zip_bytes(files: dict[str, bytes], top: str) -> bytes:
    """Deterministic archive of ``files`` under the folder ``top`` (the kit's one zip writer)."""
    from autograder.bundle.archive import zip_bytes as deterministic_zip
    return deterministic_zip({f"{top}/{name}": data for name, data in files.items()})


# --------------------------------------------------------------------------- proofs

RETURN_A_NAME = re.compile(r"^return [\w.]+$")
TRIVIAL_LINES = {"return", "pass", "else:", "try:", "finally:", "break", "continue", "raise",
                 "...", "return None", "return self", '"""', "'''", "except:"}
PUNCTUATION_ONLY = re.compile(r"^[\s()\[\]{}:,;.'\"\\]*$")


def normalise(line: str) -> str:
    return " ".join(line.split())


def is_trivial(line: str) -> bool:
    return (line in TRIVIAL_LINES or bool(PUNCTUATION_ONLY.match(line))
            or bool(RETURN_A_NAME.match(line)) or len(line) < 3)


def solution_parts(path: str, text: str) -> tuple[list[str], list[str]]:
    """Split a source file into (secret lines, public lines) with a plain line scan that is
    independent of the stripper: lines strictly inside BEGIN/END SOLUTION, `# SOLUTION` lines
    (marker removed) and `solution`-tagged notebook cells are secret; everything else ships."""
    if path.endswith(".ipynb"):
        try:
            cells = json.loads(text).get("cells", [])
        except json.JSONDecodeError:
            return [], text.splitlines()
        secret, public = [], []
        for cell in cells:
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            if SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
                secret += source.splitlines()
            else:
                cell_secret, cell_public = _scan_lines(source.splitlines())
                secret += cell_secret
                public += cell_public
        return secret, public
    return _scan_lines(text.splitlines())


def _scan_lines(lines: list[str]) -> tuple[list[str], list[str]]:
    secret, public, inside = [], [], False
    for line in lines:
        if BEGIN_RE.match(line.rstrip()):
            inside = True
        elif END_RE.match(line.rstrip()):
            inside = False
        elif inside:
            secret.append(line)
        elif LINE_MARKER_RE.search(line):
            secret.append(LINE_MARKER_RE.sub("", line))
        else:
            public.append(line)
    return secret, public


def handout_text_views(path: str, data: bytes) -> list[str]:
    """Normalised text to search in a handout file (a notebook's decoded cells too)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return []
    views = [text]
    if path.endswith(".ipynb"):
        try:
            nb = json.loads(text)
            for cell in nb.get("cells", []):
                for value in [cell.get("source", "")] + [
                        o.get("text", "") for o in cell.get("outputs", [])] + [
                        v for o in cell.get("outputs", []) for v in o.get("data", {}).values()]:
                    views.append("".join(value) if isinstance(value, list) else str(value))
        except (json.JSONDecodeError, AttributeError):
            pass
    return ["\n".join(normalise(line) for line in view.splitlines()) for view in views]


def find_leaks(root: Path, config: Config, files: dict[str, bytes]) -> list[str]:
    """Proof 3. Scan the handout's bytes; return one problem per line of output."""
    problems: list[str] = []
    secrets: set[str] = set()
    provided_views: list[str] = []
    for src, _ in plan_files(root, config):
        try:
            text = (root / src).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        secret, public = solution_parts(src, text)
        secrets.update(normalise(line) for line in secret)
        if secret or matches_any(src, config.public_sources):
            # Provided code and docstrings written for students (next to the solution, or in
            # the configured public sources): a solution line repeated there is no leak. Any
            # other overlap must be allowed in handout.toml ([[leak_allow]]), file by file.
            provided_views.append("\n".join(normalise(line) for line in public))
    provided_text = "\n".join(provided_views)
    secrets = {s for s in secrets if not is_trivial(s) and s not in provided_text}

    hidden_hashes = instructor_only_hashes(root, config)
    hidden_names = hidden_case_names(root, config)
    name_regex = (re.compile(r"\b(" + "|".join(map(re.escape, sorted(hidden_names))) + r")\b")
                  if hidden_names else None)
    for path in sorted(files):
        data = files[path]
        if is_instructor_only_in_handout(path, config):
            problems.append(f"{path}: instructor-only file in the handout")
        if hashlib.sha256(data).hexdigest() in hidden_hashes:
            problems.append(f"{path}: identical to instructor-only "
                            f"{hidden_hashes[hashlib.sha256(data).hexdigest()]}")
        views = handout_text_views(path, data)
        allowed = {line for line, globs in config.leak_allow if matches_any(path, globs)}
        for view in views:
            leaked = sorted(s for s in secrets - allowed if s in view)
            if leaked:
                problems.append(f"{path}: contains solution line {leaked[0]!r}"
                                + (f" (and {len(leaked) - 1} more)" if len(leaked) > 1 else ""))
                break
        if any(ANY_BLOCK_MARKER_RE.search(line) or LINE_MARKER_RE.search(line)
               for view in views for line in view.splitlines()):
            problems.append(f"{path}: solution marker left in the handout")
        if name_regex and views:
            hit = name_regex.search(views[0])
            if hit:
                problems.append(f"{path}: names hidden case '{hit.group(1)}'")
    return problems


def is_instructor_only_in_handout(path: str, config: Config) -> bool:
    """Map a handout path back through every [[map]] (and take it as is) and test it against
    the instructor-only patterns."""
    candidates = [path] + [mapping.source + path[len(mapping.dest):] for mapping in config.maps
                           if path == mapping.dest or path.startswith(mapping.dest + "/")]
    return any(matches_any(candidate, config.instructor_only) for candidate in candidates)


def instructor_only_hashes(root: Path, config: Config) -> dict[str, str]:
    """sha256 -> repository path of every instructor-only file (under a map source, or named)."""
    hashes = {}
    literal = [p.strip("/") for p in config.instructor_only if not any(c in p for c in "*?[")]
    for top in [mapping.source for mapping in config.maps] + literal:
        source = root / top
        if not source.exists():
            continue
        for path in [source] if source.is_file() else sorted(source.rglob("*")):
            rel = path.relative_to(root).as_posix()
            if path.is_file() and matches_any(rel, config.instructor_only) \
                    and not matches_any(rel, config.skip) and path.stat().st_size > 0:
                hashes[hashlib.sha256(path.read_bytes()).hexdigest()] = rel
    return hashes


def hidden_case_names(root: Path, config: Config) -> set[str]:
    names = set()
    for spec in config.hidden_case_specs:
        path = root / spec
        if not path.exists():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise BuildError(spec, f"not valid TOML: {exc}") from None
        names.update(case["name"] for case in data.get("case", []) if "name" in case)
    return names


VERIFY_SCRIPT = r"""
import importlib, inspect, json, pkgutil, sys, traceback
from unittest import mock

handout, packages, stubbed = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
sys.path.insert(0, handout)
problems = []

def last_line(exc):
    return traceback.format_exception_only(type(exc), exc)[-1].strip()

for package in packages:
    try:
        module = importlib.import_module(package)
    except BaseException as exc:
        problems.append(f"import {package} fails: {last_line(exc)}")
        continue
    for info in pkgutil.walk_packages(getattr(module, "__path__", []), package + "."):
        if info.name.rsplit(".", 1)[-1] == "__main__":
            continue
        try:
            importlib.import_module(info.name)
        except BaseException as exc:
            problems.append(f"import {info.name} fails: {last_line(exc)}")

def stand_in_instance(cls):
    permissive = type(cls.__name__, (cls,), {"__getattr__": lambda self, name: mock.MagicMock()})
    return object.__new__(permissive)

def bound_callable(module_name, qualname):
    owner = importlib.import_module(module_name)
    parts = qualname.split(".")
    for part in parts[:-1]:
        owner = getattr(owner, part)
    name = parts[-1]
    if not isinstance(owner, type):
        return getattr(owner, name)
    raw = inspect.getattr_static(owner, name)
    if isinstance(raw, staticmethod):
        return raw.__func__
    if isinstance(raw, classmethod):
        return getattr(owner, name)
    instance = stand_in_instance(owner)
    if isinstance(raw, property):
        return lambda: raw.fget(instance)
    return raw.__get__(instance, owner)

def argument_sets(function):
    try:
        params = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return [((), {})]
    wanted = [p for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    required = [p for p in wanted if p.default is p.empty]
    sets = []
    for chosen in (required, wanted):
        args = tuple(mock.MagicMock() for p in chosen if p.kind == p.POSITIONAL_ONLY)
        kwargs = {p.name: mock.MagicMock() for p in chosen if p.kind != p.POSITIONAL_ONLY}
        sets.append((args, kwargs))
    return sets

for module_name, qualname in stubbed:
    label = f"{module_name}.{qualname}"
    try:
        function = bound_callable(module_name, qualname)
    except BaseException as exc:
        problems.append(f"{label}: cannot be reached: {last_line(exc)}")
        continue
    outcomes = []
    for args, kwargs in argument_sets(function):
        try:
            function(*args, **kwargs)
            outcomes.append("returned normally")
        except NotImplementedError:
            outcomes = None
            break
        except BaseException as exc:
            outcomes.append(last_line(exc))
    if outcomes is not None:
        problems.append(f"{label}: stub does not raise NotImplementedError ({outcomes[-1]})")

print(json.dumps(problems))
"""


def verify_runtime(handout_dir: Path, config: Config, stubbed: list[tuple[str, str]]) -> list[str]:
    """Proofs 1 (imports) and 2 (stubs raise) in a fresh, isolated interpreter."""
    command = [sys.executable, "-I", "-B", "-c", VERIFY_SCRIPT, str(handout_dir),
               json.dumps(config.import_packages), json.dumps(stubbed)]
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env.update(MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
    try:
        done = subprocess.run(command, cwd=handout_dir, env=env, capture_output=True, text=True,
                              timeout=VERIFY_TIMEOUT_SECONDS, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return [f"importing the handout or calling its stubs took over "
                f"{VERIFY_TIMEOUT_SECONDS} s"]
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return [f"verification interpreter failed: {tail}"]


def verify_static(rendered: Rendered) -> list[str]:
    """Proof 1, first half: every .py in the handout parses."""
    problems = []
    for path, data in sorted(rendered.files.items()):
        if path.endswith(".py"):
            try:
                ast.parse(data.decode("utf-8"), filename=path)
            except SyntaxError as exc:
                problems.append(f"{path}:{exc.lineno}: does not parse: {exc.msg}")
    return problems


def archive_files(rendered: Rendered) -> dict[str, bytes]:
    """What the student archive holds: the handout and the student copy of the engine (no
    instructor verbs), so that the self-check runs offline from the unzipped folder."""
    from autograder.bundle.contents import engine_files
    files = dict(rendered.files)
    for path, data in engine_files(student_copy=True).items():
        if path in files:
            raise BuildError(path, "the handout already holds a file where the engine goes")
        files[path] = data
    return files


def prove(root: Path, config: Config, rendered: Rendered, written_dir: Path,
          zip_data: bytes | None) -> None:
    """Run proofs 1-4 on a fresh render already written to `written_dir`; raise on failure.
    With ``zip_data``, the archive's contents (engine included) are scanned for leaks too."""
    problems = verify_static(rendered)
    again = render(root, config)
    if again.files != rendered.files:
        differing = sorted(set(again.files) ^ set(rendered.files)) + sorted(
            p for p in set(again.files) & set(rendered.files) if again.files[p] != rendered.files[p])
        problems.append("two renders differ (not deterministic, or a source changed during "
                        f"the build): {', '.join(differing)}")
    if zip_data is not None and zip_bytes(archive_files(again), config.name) != zip_data:
        problems.append("two zips of the same handout differ (not deterministic)")
    if _read_tree(written_dir, config) != rendered.files:
        problems.append("the written handout differs from the build")
    scanned = archive_files(rendered) if zip_data is not None else rendered.files
    problems += find_leaks(root, config, scanned)
    if not problems:
        problems += verify_runtime(written_dir, config, rendered.stubbed)
    if problems:
        raise BuildError(config.out, "refusing to write the handout: " + "; ".join(problems))


# --------------------------------------------------------------------------- writing and checking

def _read_tree(folder: Path, config: Config) -> dict[str, bytes]:
    files = {}
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder).as_posix()
            if path.is_file() and not matches_any(rel, config.skip):
                files[rel] = path.read_bytes()
    return files


def _write_tree(folder: Path, files: dict[str, bytes]) -> None:
    for rel in sorted(files):
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(files[rel])
        os.chmod(target, FILE_MODE)
    for path in [folder, *sorted(p for p in folder.rglob("*") if p.is_dir())]:
        os.chmod(path, DIR_MODE)


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Replace out_dir with staging; the old tree is removed only after the new one is in place."""
    if out_dir.exists():
        retired = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.old-"))
        os.replace(out_dir, retired / out_dir.name)
        os.replace(staging, out_dir)
        shutil.rmtree(retired)
    else:
        os.replace(staging, out_dir)


def stale_files(expected: dict[str, bytes], actual: dict[str, bytes]) -> list[str]:
    stale = [f"{p} (missing)" for p in sorted(set(expected) - set(actual))]
    stale += [f"{p} (out of date)" for p in sorted(set(expected) & set(actual))
              if expected[p] != actual[p]]
    stale += [f"{p} (not in a fresh build)" for p in sorted(set(actual) - set(expected))]
    return stale


def _refuse_foreign_folder(root: Path, config: Config, out_dir: Path, rendered: Rendered) -> None:
    """The build replaces out_dir wholesale, so it must never be a folder with other work in it."""
    resolved = out_dir.resolve()
    protected = [root.resolve()] + [(root / m.source).resolve() for m in config.maps]
    if any(resolved == p or resolved in p.parents for p in protected):
        raise BuildError(str(out_dir), "would overwrite the repository or a source; choose "
                         "another --out folder")
    # Handouts share files (README.md, requirements.txt, grading/assignment.toml), so another
    # assignment's handout would pass the test below: refuse it (and any folder holding it).
    for other in assignment_names(root):
        if other == config.name:
            continue
        try:
            theirs = (root / load_config(root, other).out).resolve()
        except BuildError:
            theirs = (root / "handout" / other).resolve()
        if resolved == theirs or resolved in theirs.parents:
            raise BuildError(str(out_dir), f"would overwrite the handout of {other}; choose "
                             "another --out folder")
    if out_dir.is_file():
        raise BuildError(str(out_dir), "is a file, not a handout folder")
    existing = _read_tree(out_dir, config)
    if existing and not set(existing) & set(rendered.files):
        raise BuildError(str(out_dir), "exists and does not look like a handout (none of its "
                         "files would be in the build); refusing to replace it")


def build(root: Path, name: str, out_dir: Path | None = None, check: bool = False,
          zip_path: Path | None = None) -> list[str]:
    """Build one assignment's handout (or with check=True, compare); with ``zip_path``, also
    write the student archive. Returns the stale files for a check."""
    config = load_config(root, name)
    out_dir = out_dir or root / config.out
    rendered = render(root, config)
    if not check:
        _refuse_foreign_folder(root, config, out_dir, rendered)
    zip_data = zip_bytes(archive_files(rendered), config.name) if zip_path else None
    parent = out_dir.parent if not check else None
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{out_dir.name}.building-"))
    try:
        _write_tree(staging, rendered.files)
        prove(root, config, rendered, staging, zip_data)
        if check:
            return stale_files(rendered.files, _read_tree(out_dir, config))
        _swap_in(staging, out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    if zip_path:
        from autograder.results.atomic import write_bytes
        zip_path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(zip_path, zip_data)
    return []


def main(argv: list[str] | None = None) -> int:
    names = assignment_names(ROOT)
    parser = argparse.ArgumentParser(
        description="Strip each assignment's solution into its student handout and prove "
                    "nothing leaked.")
    parser.add_argument("--assignment", choices=names, metavar="NAME",
                        help=f"only this assignment ({', '.join(names)}; default: every one)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 and name the stale files if a handout "
                             "differs from a fresh build")
    parser.add_argument("--zip", choices=names, metavar="NAME",
                        help="also write NAME's student archive: the handout and the student "
                             f"copy of the grader (default path {ZIP_FOLDER}/NAME-handout.zip)")
    parser.add_argument("--zip-to", type=Path, metavar="PATH", help="where --zip writes")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="handout folder (default: 'out' in the assignment's handout.toml; "
                             "needs --assignment or --zip)")
    args = parser.parse_args(argv)
    if args.check and args.zip:
        parser.error("--check writes nothing; leave out --zip")
    if args.zip_to and not args.zip:
        parser.error("--zip-to needs --zip NAME")
    if args.zip and args.assignment and args.zip != args.assignment:
        parser.error("--zip and --assignment name different assignments")
    chosen = [args.zip or args.assignment] if (args.zip or args.assignment) else names
    if args.out and len(chosen) != 1:
        parser.error("--out needs --assignment NAME (one handout per folder)")
    zip_path = None
    if args.zip:
        zip_path = (args.zip_to or ROOT / ZIP_FOLDER / f"{args.zip}-handout.zip").resolve()
        if args.zip_to and not zip_path.parent.is_dir():
            parser.error(f"--zip-to: folder {zip_path.parent} does not exist")
    if args.out and not args.out.resolve().parent.is_dir():
        parser.error(f"--out: folder {args.out.resolve().parent} does not exist")
    out_dir = args.out.resolve() if args.out else None
    if not chosen:
        parser.error(f"no assignment has a solution/<name>/{CONFIG_NAME}")
    status = 0
    for name in chosen:
        try:
            stale = build(ROOT, name, out_dir, check=args.check, zip_path=zip_path)
        except BuildError as exc:
            print(exc, file=sys.stderr)
            return 1
        label = out_dir or ROOT / load_config(ROOT, name).out
        if args.check:
            if stale:
                print(f"build_handout: {label} is stale; run `python build_handout.py`: "
                      + ", ".join(stale), file=sys.stderr)
                status = 1
            else:
                print(f"{label} is current")
        else:
            print(f"wrote {label}" + (f" and {zip_path}" if zip_path else ""))
    return status


if __name__ == "__main__":
    sys.exit(main())
