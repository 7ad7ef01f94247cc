"""The solution-marker stripper: a solution file in, the student's file out.

Markers (docs/build_handout.md): a block between `# BEGIN SOLUTION[: prompt]` and
`# END SOLUTION` lines; a `# SOLUTION` comment ending an assignment statement; in a notebook,
a cell tagged `solution`. Every marker problem is a BuildError naming the file and line.
"""
from __future__ import annotations

import ast
import io
import re
import textwrap
import tokenize
from dataclasses import dataclass, field

from autograder.handout.config import BuildError

BEGIN_RE = re.compile(r"^(?P<indent>[ \t]*)#[ \t]*BEGIN SOLUTION(?::(?P<prompt>.*))?$")
END_RE = re.compile(r"^(?P<indent>[ \t]*)#[ \t]*END SOLUTION[ \t]*$")
LINE_MARKER_RE = re.compile(r"#[ \t]*SOLUTION[ \t]*$")
ANY_BLOCK_MARKER_RE = re.compile(r"(BEGIN|END) SOLUTION")
MAGIC_RE = re.compile(r"^([ \t]*)[%!]")
SOLUTION_TAG = "solution"
ANSWER_PLACEHOLDER = "YOUR ANSWER HERE"


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

