"""Assignments: where each one's grading spec, references and solution live.

The engine names no assignment. An assignment is a folder ``grading/`` holding
``assignment.toml`` (its name and the shape of a submission), ``rubric.toml``, ``cases/``,
``scenarios/`` (its case families) and, on the instructor's side only, ``mutants.py``. Two
layouts are searched under a root:

    the kit            ROOT/solution/<name>/grading/    references in ROOT/data/<name>/
    a distribution     ROOT/grading/                    references in ROOT/data/

The root is the folder holding ``autograder/``; a distribution is the student archive or a
Gradescope/Autolab bundle, which carry one assignment each. More kit-shaped roots can be named
in the environment variable ``AUTOGRADER_ASSIGNMENTS`` (``os.pathsep``-separated).
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
SPEC_FILE = "assignment.toml"
ROOTS_VARIABLE = "AUTOGRADER_ASSIGNMENTS"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class AssignmentError(ValueError):
    """No such assignment, an ambiguous submission, or a malformed assignment.toml (one line)."""


@dataclass(frozen=True)
class Deliverable:
    """A file or folder a submission must hold besides the code (``report.pdf``, ``outputs/``),
    relative to the folder that holds the package."""
    path: str
    kind: str = "file"            # "file" | "folder"
    description: str = ""


@dataclass(frozen=True)
class SubmissionShape:
    package: str                  # the graded package's folder name ("pkg/")
    module: str                   # the single-file form ("main" for main.py)
    submodules: tuple[str, ...] = ()   # where contract names live when __init__ does not say
    provided: tuple[str, ...] = ()     # files of the package the course provides: not graded
    deliverables: tuple[Deliverable, ...] = ()

    def describe(self) -> str:
        return f"{self.package}/__init__.py, {self.module}.py or {self.module}/{self.module}.py"


@dataclass(frozen=True)
class Assignment:
    name: str
    title: str
    spec_dir: Path                # .../grading
    data_dir: Path                # holds visible/ and (instructor side) hidden/
    shape: SubmissionShape
    solution_dir: Path | None = None   # the reference implementation (kit layout only)
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def rubric_path(self) -> Path:
        return self.spec_dir / "rubric.toml"

    @property
    def cases_dir(self) -> Path:
        return self.spec_dir / "cases"

    @property
    def scenarios_dir(self) -> Path:
        return self.spec_dir / "scenarios"

    @property
    def mutants_path(self) -> Path:
        return self.spec_dir / "mutants.py"

    @property
    def vector_names(self) -> str | None:
        """[comparison] vector_names: a regular expression for the arrays that may be (1, n)
        where (n,) is expected (biases, say), or the other way."""
        value = self.extra.get("comparison", {}).get("vector_names")
        return value if isinstance(value, str) and value else None

    @property
    def scenarios(self):
        from autograder.scenarios import ScenarioSource
        return ScenarioSource.of(self.name, self.scenarios_dir)


def load_assignment(spec_dir: Path, data_dir: Path, solution_dir: Path | None = None) -> Assignment:
    path = spec_dir / SPEC_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AssignmentError(f"{path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AssignmentError(f"{path}: not valid TOML ({exc})") from None
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise AssignmentError(f"{path}: `name` must be a lowercase word ([a-z][a-z0-9_]*)")
    raw = data.get("submission")
    if not isinstance(raw, dict):
        raise AssignmentError(f"{path}: needs a [submission] table")
    shape = SubmissionShape(
        package=_identifier(raw, "package", path), module=_identifier(raw, "module", path),
        submodules=tuple(_identifiers(raw, "submodules", path)),
        provided=tuple(_strings(raw, "provided", path)),
        deliverables=tuple(_deliverable(d, path) for d in raw.get("deliverables", [])))
    return Assignment(name, str(data.get("title", name)), spec_dir.resolve(), data_dir.resolve(),
                      shape, solution_dir.resolve() if solution_dir else None,
                      {k: v for k, v in data.items() if k not in ("name", "title", "submission")})


def discover(root: Path = ROOT, environ=os.environ) -> dict[str, Assignment]:
    """Every assignment under the roots in AUTOGRADER_ASSIGNMENTS and ``root``, by name; a name
    found twice is taken from the first root (the environment's come first)."""
    roots = [*(Path(p) for p in environ.get(ROOTS_VARIABLE, "").split(os.pathsep) if p), root]
    found: dict[str, Assignment] = {}
    for top in roots:
        candidates = []
        if (top / "grading" / SPEC_FILE).is_file():
            candidates.append((top / "grading", top / "data", None))
        for spec in sorted((top / "solution").glob(f"*/grading/{SPEC_FILE}")):
            folder = spec.parent.parent
            candidates.append((spec.parent, top / "data" / folder.name, folder))
        for spec_dir, data_dir, solution_dir in candidates:
            assignment = load_assignment(spec_dir, data_dir, solution_dir)
            if solution_dir is not None and assignment.name != solution_dir.name:
                raise AssignmentError(f"{spec_dir / SPEC_FILE}: name {assignment.name!r} must "
                                      f"match its folder solution/{solution_dir.name}")
            found.setdefault(assignment.name, assignment)
    return found


def choose(name: str | None, submission: Path | None = None,
           available: dict[str, Assignment] | None = None) -> Assignment:
    """The assignment called ``name``; without a name, the only one there is, or the one whose
    package or module the submission holds. Raises AssignmentError naming the choices."""
    available = discover() if available is None else available
    if not available:
        raise AssignmentError("no assignment found (expected solution/<name>/grading/"
                              f"{SPEC_FILE} or grading/{SPEC_FILE})")
    listing = ", ".join(sorted(available))
    if name is not None:
        if name not in available:
            raise AssignmentError(f"unknown assignment {name!r}; choose one of: {listing}")
        return available[name]
    if len(available) == 1:
        return next(iter(available.values()))
    if submission is not None:
        matches = [a for a in available.values() if holds(submission, a.shape)]
        if len(matches) == 1:
            return matches[0]
        what = "matches several assignments" if matches else "names no assignment's package"
        raise AssignmentError(f"{submission} {what}; choose with --assignment NAME "
                              f"(one of: {listing})")
    raise AssignmentError(f"several assignments: choose with --assignment NAME (one of: {listing})")


def choose_for_class(name: str | None, submissions: list[Path],
                     available: dict[str, Assignment] | None = None) -> Assignment:
    """The assignment of a whole class: ``name``, the only one there is, or the one that the
    most submissions hold (a tie or no match asks for --assignment)."""
    available = discover() if available is None else available
    if name is not None or len(available) <= 1:
        return choose(name, available=available)
    votes = {key: sum(holds(path, a.shape) for path in submissions)
             for key, a in available.items()}
    best = max(votes.values(), default=0)
    winners = [key for key, count in votes.items() if count == best]
    if best == 0 or len(winners) > 1:
        listing = ", ".join(sorted(available))
        raise AssignmentError(f"cannot tell which assignment these submissions are for; "
                              f"choose with --assignment NAME (one of: {listing})")
    return available[winners[0]]


def holds(submission: Path, shape: SubmissionShape) -> bool:
    """Whether the submission's file names show this shape's package or module (a folder, or
    an archive's member names; nothing is unpacked or imported)."""
    package, module = shape.package, f"{shape.module}.py"
    return any(package in parts[:-1] or parts[-1] == module
               for parts in (PurePosixPath(n).parts for n in _member_names(submission)) if parts)


def _member_names(submission: Path) -> list[str]:
    """Relative names of the .py files of a folder or an archive; a lone file's own name.
    Unreadable or broken input has no names (intake reports it properly later)."""
    import tarfile
    import zipfile
    try:
        if submission.is_dir():
            return [p.relative_to(submission).as_posix() for p in submission.rglob("*.py")]
        if zipfile.is_zipfile(submission):
            with zipfile.ZipFile(submission) as archive:
                return archive.namelist()
        if tarfile.is_tarfile(submission):
            with tarfile.open(submission) as archive:
                return archive.getnames()
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, tarfile.TarError):
        return []
    return [submission.name]


def _identifier(raw: dict, key: str, path: Path) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.isidentifier():
        raise AssignmentError(f"{path}: submission.{key} must be a Python identifier")
    return value


def _identifiers(raw: dict, key: str, path: Path) -> list[str]:
    values = _strings(raw, key, path)
    if not all(v.isidentifier() for v in values):
        raise AssignmentError(f"{path}: submission.{key} must list Python identifiers")
    return values


def _strings(raw: dict, key: str, path: Path) -> list[str]:
    values = raw.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise AssignmentError(f"{path}: submission.{key} must be a list of strings")
    return values


def _deliverable(raw, path: Path) -> Deliverable:
    if not isinstance(raw, dict) or not isinstance(raw.get("path"), str):
        raise AssignmentError(f"{path}: every submission.deliverables entry needs a path")
    kind = raw.get("kind", "file")
    if kind not in ("file", "folder"):
        raise AssignmentError(f"{path}: deliverable {raw['path']!r}: kind is file or folder")
    return Deliverable(raw["path"], kind, str(raw.get("description", "")))
