"""Find the student's code in whatever they handed in and copy only that into a scratch folder.

The assignment's submission shape names a package and a module (`pkg` and `main`, say).
Accepted shapes (the first that matches wins):
  1. a folder of the package's name holding .py files (the shallowest one),
  2. `<module>.py` (the shallowest one; so `main.py` beats `main/main.py`),
  3. a package whose folder was left out (`__init__.py` at the top, e.g. a zip of the
     package's contents), graded as the package,
  4. exactly one .py file anywhere, whatever its name, copied as `<module>.py`: a fixed name
     can neither shadow a module the grader has already imported (`types.py`, `numpy.py`) nor
     fail to be an identifier (`Jane Doe (1).py`).
Files of the package that the course provides (the shape's `provided`: a training runner, a
config) are left out: they are not graded and may import what submissions may not.
Single wrapping folders (LMS downloads, macOS zips) need no special case: every rule looks at
any depth. Packaging debris (__MACOSX/, __pycache__/, dot-files) is ignored everywhere.

Only the code is copied: the chosen package or module, plus the sibling modules and folders it
imports by absolute name (`import helpers` next to main.py). Everything else a student's folder
may hold (train.py, the provided tools/, notebooks) is left out, so it can neither break the
import nor trip the import scan.
"""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import stat
import tempfile
import tokenize
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograder.assignments import SubmissionShape

from .imports import imported_modules
from .unpack import (MiB, ArchiveLimits, SubmissionError, archive_suffix, extract_archive,
                     is_code_file, list_code_files, read_code_file, show)

_MAX_NAMES_SHOWN = 8


@dataclass
class LocatedSubmission:
    root: Path          # holds only the student's code: root/<package>/... or root/<module>.py
    kind: str           # "package" | "module"
    module: str         # import name: the shape's package or module
    files: list[Path]   # the copied .py files (absolute, under root), sorted
    source: str         # the path as given, for reports
    sha256: str         # over sorted relative paths + bytes of the copied files
    missing: list[str] = field(default_factory=list)  # deliverables not found (their paths)
    submodules: tuple[str, ...] = ()   # where the contract's names may live (the shape's)


@dataclass
class _Choice:
    kind: str
    module: str
    base: PurePosixPath                      # folder the chosen code sits in
    files: dict[PurePosixPath, PurePosixPath] = field(default_factory=dict)  # source -> copy
    with_siblings: bool = True               # also copy the modules next to it that it imports


def prepare(source: Path, scratch: Path, shape: SubmissionShape,
            limits: ArchiveLimits = ArchiveLimits()) -> LocatedSubmission:
    """Unpack or read ``source`` (a folder, a .py file, or an archive of either), find the code,
    and copy it into a new folder under ``scratch``. Raises SubmissionError, nothing else, for
    anything wrong with the submission."""
    source = Path(source)
    label = source.name or str(source)
    try:
        mode = os.stat(source).st_mode
    except OSError as exc:
        raise SubmissionError(f"{label}: cannot read the submission ({exc.strerror})") from None
    scratch = Path(scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="submission-", dir=scratch))
    members: list[PurePosixPath] = []   # every archive member's name, for the deliverables

    def keep(rel: PurePosixPath) -> bool:
        members.append(rel)
        return is_code_file(rel)
    try:
        if stat.S_ISDIR(mode):
            base, paths = source, list_code_files(source, label, limits,
                                                  frozenset({shape.package, shape.module}))
        elif not stat.S_ISREG(mode):
            raise SubmissionError(f"{label}: not a regular file or folder")
        elif source.suffix == ".py":
            real = source.resolve()  # the path given may be a link; the file it names is read
            base, paths = real.parent, [PurePosixPath(real.name)]
        elif archive_suffix(source.name):
            base = work / "unpacked"
            paths = extract_archive(source, base, label, limits, keep)
        else:
            raise SubmissionError(f"{label}: {_unsupported(source)}")
        choice = choose(paths, label, shape)
        located = _copy(choice, base, paths, work / "code", label, limits)
        located.source = str(source)
        located.submodules = shape.submodules
        located.missing = _missing_deliverables(shape, choice, source, members,
                                                stat.S_ISDIR(mode))
        shutil.rmtree(work / "unpacked", ignore_errors=True)
        return located
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _missing_deliverables(shape: SubmissionShape, choice: _Choice, source: Path,
                          members: list[PurePosixPath], is_folder: bool) -> list[str]:
    """The shape's deliverables (paths relative to the folder holding the package) that the
    submission lacks. Only names are looked at; nothing but code is ever copied."""
    missing = []
    for deliverable in shape.deliverables:
        where = choice.base / deliverable.path
        if is_folder:
            path = source.joinpath(*where.parts)
            found = path.is_dir() if deliverable.kind == "folder" else path.is_file()
        elif deliverable.kind == "folder":
            found = any(where in member.parents for member in members)
        else:
            found = where in members
        if not found:
            missing.append(deliverable.path + ("/" if deliverable.kind == "folder" else ""))
    return missing


def _unsupported(source: Path) -> str:
    hint = " (export your code to a .py file)" if source.suffix == ".ipynb" else ""
    kind = f"'{source.suffix}' files" if source.suffix else "files without an extension"
    return (f"{kind} are not accepted{hint}; submit a folder, a .py file, a .zip or a .tar.gz")


def choose(paths: list[PurePosixPath], label: str, shape: SubmissionShape) -> _Choice:
    """Pick the code to grade among the submission's .py files (relative paths), by the rules
    in this module's docstring. Ambiguity and absence raise SubmissionError naming the files."""
    name, file = shape.package, f"{shape.module}.py"
    expected = f"expected {shape.describe()} or a single .py file"
    package = _shallowest(label, f"{name}/ folders", {
        PurePosixPath(*p.parts[: p.parts.index(name) + 1])
        for p in paths if name in p.parts[:-1]})
    if package:
        return _Choice("package", name, package.parent,
                       _package_files(paths, package, name, shape))
    module = _shallowest(label, f"{file} files", {p for p in paths if p.name == file})
    if module:
        return _Choice("module", shape.module, module.parent, {module: PurePosixPath(file)})
    top = _unwrapped(paths)
    if top / "__init__.py" in paths:
        return _Choice("package", name, top.parent, _package_files(paths, top, name, shape),
                       with_siblings=False)
    if len(paths) == 1:
        return _Choice("module", shape.module, paths[0].parent,
                       {paths[0]: PurePosixPath(file)}, with_siblings=False)
    if not paths:
        raise SubmissionError(f"{label}: no {name}/ package or .py file found ({expected})")
    raise SubmissionError(f"{label}: found {len(paths)} .py files but no {name}/ package or "
                          f"{file}, so it is unclear which to grade: {_names(paths)} "
                          f"(name your main file {file}, or submit only one .py file)")


def _package_files(paths: list[PurePosixPath], folder: PurePosixPath, name: str,
                   shape: SubmissionShape) -> dict[PurePosixPath, PurePosixPath]:
    """The package's files, renamed under ``name``, without the ones the course provides."""
    provided = set(shape.provided)
    return {p: name / p.relative_to(folder) for p in paths
            if folder in p.parents and p.relative_to(folder).as_posix() not in provided}


def _shallowest(label: str, what: str, candidates: set[PurePosixPath]) -> PurePosixPath | None:
    if not candidates:
        return None
    depth = min(len(c.parts) for c in candidates)
    tied = sorted(c for c in candidates if len(c.parts) == depth)
    if len(tied) > 1:
        raise SubmissionError(f"{label}: found several {what}: {_names(tied)} "
                              f"(keep only the one to grade)")
    return tied[0]


def _unwrapped(paths: list[PurePosixPath]) -> PurePosixPath:
    """The deepest folder that contains every path (the archive's wrapping folders)."""
    top = PurePosixPath()
    while paths and all(len(p.parts) > len(top.parts) + 1 and p.parts[len(top.parts)] ==
                        paths[0].parts[len(top.parts)] for p in paths):
        top = top / paths[0].parts[len(top.parts)]
    return top


def _names(paths) -> str:
    shown = ", ".join(show(p) for p in list(paths)[:_MAX_NAMES_SHOWN])
    more = len(paths) - _MAX_NAMES_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _copy(choice: _Choice, base: Path, paths: list[PurePosixPath], root: Path, label: str,
          limits: ArchiveLimits) -> LocatedSubmission:
    contents: dict[PurePosixPath, bytes] = {}

    def read(rel: PurePosixPath) -> bytes:
        if rel not in contents:
            data = read_code_file(base.joinpath(*rel.parts), label, rel, limits.max_total_bytes)
            if sum(map(len, contents.values())) + len(data) > limits.max_total_bytes:
                raise SubmissionError(f"{label}: the code files are larger than "
                                      f"{limits.max_total_bytes // MiB} MiB together")
            _require_text(data, label, rel)
            contents[rel] = data
        return contents[rel]

    files = _with_imported_siblings(choice, paths, read)
    digest = hashlib.sha256()
    copied = []
    root.mkdir()
    for src, dest in sorted(files.items(), key=lambda item: item[1].as_posix()):
        data = read(src)
        target = root.joinpath(*dest.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        copied.append(target)
        name = dest.as_posix().encode("utf-8", "surrogateescape")
        digest.update(b"%s\0%d\0" % (name, len(data)))
        digest.update(data)
    return LocatedSubmission(root=root, kind=choice.kind, module=choice.module, files=copied,
                             source="", sha256=digest.hexdigest())


def _with_imported_siblings(choice: _Choice, paths: list[PurePosixPath], read
                            ) -> dict[PurePosixPath, PurePosixPath]:
    """The chosen files plus every module or folder next to them that they import by absolute
    name, transitively (`import helpers` -> helpers.py, `from utils.x import y` -> utils/)."""
    files = dict(choice.files)
    taken = {choice.module}
    pending = list(files) if choice.with_siblings else []
    while pending:
        for name in imported_modules(read(pending.pop())):
            top = name.partition(".")[0]
            if top in taken:
                continue
            module = [p for p in paths if p.parent == choice.base and p.stem == top]
            folder = [p for p in paths if choice.base / top in p.parents]
            if module or folder:
                taken.add(top)
                for p in module + folder:
                    if p not in files:
                        files[p] = p.relative_to(choice.base)
                        pending.append(p)
    return files


def _require_text(data: bytes, label: str, rel: PurePosixPath) -> None:
    """Sources must decode as UTF-8 (or as the encoding their PEP 263 coding line declares)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SubmissionError(f"{label}: {show(rel)} is not UTF-8 text (line {line}); "
                              f"save it with UTF-8 encoding") from None
    except (SyntaxError, LookupError):
        raise SubmissionError(f"{label}: {show(rel)} is not UTF-8 text (bad encoding "
                              f"declaration); save it with UTF-8 encoding") from None
