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

A flat shape (a course's `code/` folder of modules that import each other by absolute name)
takes the folder of the shallowest graded module (the shape's module or submodules) and copies
every graded module in it side by side; the rest of the folder (training scripts, provided
data loaders) is left out unless a graded module imports it.

Two exceptions, both named by the shape. Its ``notebooks`` (``Report.ipynb``) are found
anywhere like the module (the shallowest; at equal depth, the one beside the code, then the
first by name) and copied next to the code under exactly those names; one not found is a
missing deliverable. Its ``support`` modules (``helpers.py``) are the grader's: copied from the
assignment's support folder, replacing any student copy, and neither scanned nor graded.
A notebook-only shape (its module is one of its support files) copies no student .py at all:
the notebooks are the work, and a submission without one of them is refused.
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
                     is_code_file, is_ignored, list_code_files, read_code_file, show)

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
    notebooks: list[Path] = field(default_factory=list)  # copied notebooks (root/<name>)
    support: list[Path] = field(default_factory=list)    # the grader's modules (root/<name>)


@dataclass
class _Choice:
    kind: str
    module: str
    base: PurePosixPath                      # folder the chosen code sits in
    files: dict[PurePosixPath, PurePosixPath] = field(default_factory=dict)  # source -> copy
    with_siblings: bool = True               # also copy the modules next to it that it imports


def prepare(source: Path, scratch: Path, shape: SubmissionShape,
            limits: ArchiveLimits = ArchiveLimits(), *,
            support_dir: Path | None = None) -> LocatedSubmission:
    """Unpack or read ``source`` (a folder, a .py file, or an archive of either), find the code,
    and copy it into a new folder under ``scratch``. Raises SubmissionError, nothing else, for
    anything wrong with the submission. ``support_dir`` holds the shape's ``support`` modules
    (Assignment.support_dir; None: none copied, for intake that runs nothing); a support file
    missing there is the grader's fault (FileNotFoundError)."""
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

    wanted = frozenset(shape.notebooks)

    def keep(rel: PurePosixPath) -> bool:
        members.append(rel)
        return is_code_file(rel) or _is_notebook(rel, wanted)
    try:
        if stat.S_ISDIR(mode):
            base, paths = source, list_code_files(source, label, limits,
                                                  frozenset({shape.package, shape.module}),
                                                  also=wanted)
        elif not stat.S_ISREG(mode):
            raise SubmissionError(f"{label}: not a regular file or folder")
        elif source.suffix == ".py" or (source.suffix == ".ipynb" and shape.notebook_only):
            real = source.resolve()  # the path given may be a link; the file it names is read
            base, paths = real.parent, [PurePosixPath(real.name)]
        elif archive_suffix(source.name):
            base = work / "unpacked"
            paths = extract_archive(source, base, label, limits, keep)
        else:
            raise SubmissionError(f"{label}: {_unsupported(source)}")
        notebooks = [p for p in paths if _is_notebook(p, wanted)]
        support = frozenset(shape.support)
        paths = [p for p in paths if p.suffix == ".py" and p.name not in support]
        if shape.notebook_only:   # the notebooks are the work; no student .py is copied
            choice, paths = _notebook_choice(notebooks, label, shape), []
        else:
            choice = choose(paths, label, shape)
        located = _copy(choice, base, paths, work / "code", label, limits)
        located.notebooks, absent = _copy_notebooks(shape, choice, base, notebooks,
                                                    located.root, label)
        located.sha256 = _with_notebooks_digest(located)
        located.support = _copy_support(shape, support_dir, located.root)
        located.source = str(source)
        located.submodules = shape.submodules
        located.missing = _missing_deliverables(shape, choice, source, members,
                                                stat.S_ISDIR(mode)) + absent
        shutil.rmtree(work / "unpacked", ignore_errors=True)
        return located
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


MAX_NOTEBOOK_BYTES = 32 * MiB   # one notebook, its saved outputs (images) included


def _is_notebook(rel: PurePosixPath, wanted: frozenset[str]) -> bool:
    return rel.name in wanted and not is_ignored(rel)


def _copy_notebooks(shape: SubmissionShape, choice: "_Choice", base: Path,
                    found: list[PurePosixPath], root: Path, label: str
                    ) -> tuple[list[Path], list[str]]:
    """Each of the shape's notebooks copied to ``root/<name>`` (the shallowest; at equal depth
    the one beside the chosen code, then the first by name), and the names not found. Only the
    bytes are copied: whether a notebook is valid is for its cases to say."""
    copied, absent = [], []
    for name in shape.notebooks:
        candidates = [p for p in found if p.name == name]
        if not candidates:
            absent.append(name)
            continue
        best = min(candidates, key=lambda p: (len(p.parts), p.parent != choice.base, str(p)))
        data = read_code_file(base.joinpath(*best.parts), label, best, MAX_NOTEBOOK_BYTES)
        target = root / name
        target.write_bytes(data)
        copied.append(target)
    return copied, absent


def _with_notebooks_digest(located: LocatedSubmission) -> str:
    """The code's digest, extended by the notebooks' names and bytes (unchanged without any)."""
    if not located.notebooks:
        return located.sha256
    digest = hashlib.sha256(located.sha256.encode())
    for path in located.notebooks:
        data = path.read_bytes()
        digest.update(b"%s\0%d\0" % (path.name.encode(), len(data)))
        digest.update(data)
    return digest.hexdigest()


def _copy_support(shape: SubmissionShape, support_dir: Path | None, root: Path) -> list[Path]:
    """The grader's own copies of the shape's support modules, next to the code (over any
    student copy, which intake never copies anyway)."""
    copied = []
    if support_dir is None:   # intake that runs nothing (similarity, fingerprints)
        return copied
    for name in shape.support:
        source = Path(support_dir) / name
        if not source.is_file():
            raise FileNotFoundError(f"the grader's support file {name} is missing from "
                                    f"{support_dir}")
        target = root / name
        target.write_bytes(source.read_bytes())
        copied.append(target)
    return copied


def _missing_deliverables(shape: SubmissionShape, choice: _Choice, source: Path,
                          members: list[PurePosixPath], is_folder: bool) -> list[str]:
    """The shape's deliverables (paths relative to the folder holding the package) that the
    submission lacks. Only names are looked at; nothing but code is ever copied."""
    missing = []
    # A flat code folder handed in under its own name (code/) sits beside the deliverables.
    anchor = (choice.base.parent if shape.flat and choice.base.name == shape.package
              else choice.base)
    for deliverable in shape.deliverables:
        where = anchor / deliverable.path
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
    if shape.flat:
        return _flat_choice(paths, label, shape)
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


def _notebook_choice(notebooks: list[PurePosixPath], label: str,
                     shape: SubmissionShape) -> _Choice:
    """A notebook-only shape: no code of the student's, the grader's main module (a support
    file), anchored at the folder of the shallowest notebook the shape names."""
    if not notebooks:
        raise SubmissionError(f"{label}: no {shape.describe()} found (hand in the notebook "
                              f"under exactly that name)")
    first = min(notebooks, key=lambda p: (len(p.parts), str(p)))
    return _Choice("module", shape.module, first.parent, {}, with_siblings=False)


def _flat_choice(paths: list[PurePosixPath], label: str, shape: SubmissionShape) -> _Choice:
    """A flat code folder: the folder of the shallowest graded module (the main one or any
    submodule), and every graded module in it, copied side by side under its own name."""
    graded = {f"{stem}.py" for stem in (shape.module, *shape.submodules)}
    folders = {p.parent for p in paths if p.name in graded}
    if not folders:
        raise SubmissionError(f"{label}: none of {', '.join(sorted(graded))} found "
                              f"(expected {shape.describe()})")
    base = _shallowest(label, f"folders holding {' or '.join(sorted(graded))}", folders)
    files = {p: PurePosixPath(p.name) for p in paths if p.parent == base and p.name in graded}
    return _Choice("module", shape.module, base, files)


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
