"""What is compared: for each student (or reference), the graded code that intake locates, read
once and turned into one document.

A document is the located .py files in a stable order (sorted by their path in the copy, as
``prepare`` lists them), each after a header line ``# ==== pkg/module.py ====``. Headers, comments
and docstrings never reach the token stream; lines of the handout do not either (see tokens.py).
"""
from __future__ import annotations

import io
import shutil
import tokenize
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograder.assignments import Assignment
from autograder.batch.inputs import Student
from autograder.submission import SubmissionError, prepare
from autograder.submission.unpack import one_line

from .tokens import code_tokens, handout_lines, line_keys

# A student's located code above this is not compared (HW1 solutions are about 25 KB).
MAX_CODE_BYTES = 2 * 1024 * 1024


@dataclass(eq=False)
class Document:
    id: str
    kind: str                 # "student" | "reference"
    text: str                 # the files, each after its header line
    stream: np.ndarray        # the compared tokens' codes (uint64)
    starts: np.ndarray        # where each stream token starts and ends in `text`
    ends: np.ndarray
    lines: np.ndarray         # the 0-based line of `text` each stream token starts on
    boilerplate: frozenset    # lines of `text` left out as lines of the handout
    headers: frozenset        # lines of `text` that are file headers
    files: tuple              # the relative paths, in order


@dataclass
class Skipped:
    id: str
    kind: str
    reason: str

    def to_json(self) -> dict:
        return {"id": self.id, "kind": self.kind, "reason": self.reason}


def handout_folder(assignment: Assignment) -> Path:
    """ROOT/handout/<name>/, ROOT being the distribution's root (in the kit layout the handout
    is rendered from solution/ instead: ``rendered_handout_keys``)."""
    return assignment.spec_dir.parent / "handout" / assignment.name


def rendered_handout_keys(assignment: Assignment) -> tuple[frozenset[str], int]:
    """``handout_keys`` of the assignment's handout rendered in memory from solution/ by the
    `handout` verb's own code (the handout is a build product, never committed)."""
    from autograder.handout.build import assemble

    files = assemble(assignment).files
    sources = [_normalised(_decode(data)) for path, data in files.items() if path.endswith(".py")]
    return handout_lines(sources), len(sources)


def handout_keys(folder: Path | None) -> tuple[frozenset[str], int]:
    """The code lines of every .py file in the handout folder, and how many files were read.
    A missing folder gives no boilerplate."""
    if folder is None or not folder.is_dir():
        return frozenset(), 0
    sources = [_normalised(_decode(path.read_bytes())) for path in sorted(folder.rglob("*.py"))
               if "__pycache__" not in path.parts and path.is_file()]
    return handout_lines(sources), len(sources)


def read_code(entry: Student, assignment: Assignment, scratch: Path) -> list[tuple[str, str]]:
    """(relative path, source) of each file of the entry's graded code, via the grader's own
    intake; SubmissionError says why there is none. The scratch copy is removed at once."""
    located = prepare(entry.path, scratch, assignment.shape)
    try:
        files = []
        total = 0
        for path in located.files:
            data = path.read_bytes()
            total += len(data)
            if total > MAX_CODE_BYTES:
                raise SubmissionError(f"{entry.path.name}: the located code is larger than "
                                      f"{MAX_CODE_BYTES // 2 ** 20} MiB; compare it by hand")
            files.append((path.relative_to(located.root).as_posix(), _decode(data)))
        return files
    finally:
        shutil.rmtree(located.root.parent, ignore_errors=True)


def build_document(entry_id: str, kind: str, files: list[tuple[str, str]],
                   handout: frozenset[str]) -> Document:
    text_parts: list[str] = []
    starts, ends, lines, codes = [], [], [], []
    boilerplate, headers = set(), set()
    offset = line = 0
    for rel, source in files:
        source = _normalised(source)
        header = f"# ==== {one_line(rel)} ====\n"
        text_parts.append(header)
        headers.add(line)
        offset += len(header)
        line += 1
        tokens = code_tokens(source)
        dropped = {n for n, key in line_keys(source, tokens).items() if key in handout}
        boilerplate.update(line + n for n in dropped)
        for tok in tokens:
            if tok.line not in dropped:
                codes.append(tok.code)
                starts.append(offset + tok.start)
                ends.append(offset + tok.end)
                lines.append(line + tok.line)
        text_parts.append(source)
        offset += len(source)
        line += source.count("\n")
    return Document(entry_id, kind, "".join(text_parts), np.array(codes, dtype=np.uint64),
                    np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64),
                    np.array(lines, dtype=np.int64), frozenset(boilerplate), frozenset(headers),
                    tuple(rel for rel, _ in files))


def _decode(data: bytes) -> str:
    """Source bytes as text (UTF-8, or the PEP 263 encoding the file declares)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        encoding = "utf-8"
    try:
        text = data.decode(encoding, errors="replace")
    except LookupError:
        text = data.decode("utf-8", errors="replace")
    return text.lstrip("\ufeff")


def _normalised(source: str) -> str:
    """``\\n`` line ends and a final newline, so that lines count the same everywhere."""
    source = source.replace("\r\n", "\n").replace("\r", "\n")
    return source if source.endswith("\n") else source + "\n"
