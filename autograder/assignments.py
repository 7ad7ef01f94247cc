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

from autograder.policy import DEFAULT_ALLOWED_IMPORTS, FileRule, Limits, Policy

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
    # Notebooks the student hands in, found anywhere (the shallowest), run by the case families
    # (autograder/scenarios/notebook.py); copied next to the code under exactly these names.
    notebooks: tuple[str, ...] = ()
    # Modules the grader supplies (helpers.py, say): copied from the assignment's support folder
    # next to the code, replacing any student copy; neither graded nor scanned.
    support: tuple[str, ...] = ()
    # A flat code folder (a course's `src/` holding main.py, helpers.py, ... that import
    # each other by absolute name): `package` names the folder, `module` its main module, and
    # `submodules` the other graded modules beside it. The folder's graded modules are copied
    # side by side and the main module is imported; `api.<submodule>` reaches the others.
    flat: bool = False

    @property
    def notebook_only(self) -> bool:
        """Students hand in notebooks only: the main module is one the grader supplies (named
        in ``support``), so intake copies no student .py file and the notebooks are the work."""
        return bool(self.notebooks) and f"{self.module}.py" in self.support

    def describe(self) -> str:
        if self.notebook_only:
            return " and ".join(self.notebooks)
        if self.flat:
            return f"{self.package}/{self.module}.py or {self.module}.py"
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
    policy: Policy = field(default_factory=Policy)   # [policy]: imports and sandbox limits

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
    def support_dir(self) -> Path:
        """Where the shape's ``support`` files are: the solution folder in the kit, grading/support/
        in a distribution."""
        return self.solution_dir if self.solution_dir is not None else self.spec_dir / "support"

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
        deliverables=tuple(_deliverable(d, path) for d in raw.get("deliverables", [])),
        notebooks=tuple(_file_names(raw, "notebooks", path, ".ipynb")),
        support=tuple(_file_names(raw, "support", path, ".py")),
        flat=_flag(raw, "flat", path))
    return Assignment(name, str(data.get("title", name)), spec_dir.resolve(), data_dir.resolve(),
                      shape, solution_dir.resolve() if solution_dir else None,
                      {k: v for k, v in data.items()
                       if k not in ("name", "title", "submission", "policy")},
                      load_policy(data.get("policy", {}), path))


_POLICY_KEYS = frozenset({"allowed_imports", "files", "limits"})


def load_policy(raw, path: Path) -> Policy:
    """The ``[policy]`` table of an assignment.toml (absent: the engine's defaults in
    autograder/policy.py). Raises AssignmentError naming the file and the key."""
    if not isinstance(raw, dict):
        raise AssignmentError(f"{path}: policy must be a table ([policy])")
    unknown = sorted(set(raw) - _POLICY_KEYS)
    if unknown:
        raise AssignmentError(f"{path}: policy.{unknown[0]} is not a policy setting "
                              f"(known: {', '.join(sorted(_POLICY_KEYS))})")
    allowed = _libraries(raw.get("allowed_imports", list(DEFAULT_ALLOWED_IMPORTS)),
                         "policy.allowed_imports", path)
    rules = raw.get("files", [])
    if not isinstance(rules, list):
        raise AssignmentError(f"{path}: policy.files must be an array of tables ([[policy.files]])")
    files = tuple(_file_rule(rule, index, path) for index, rule in enumerate(rules))
    limits = raw.get("limits", {})
    if not isinstance(limits, dict):
        raise AssignmentError(f"{path}: policy.limits must be a table ([policy.limits])")
    try:
        parsed = Limits.from_mapping(limits)
    except ValueError as exc:
        raise AssignmentError(f"{path}: policy.limits: {exc}") from None
    return Policy(allowed, files, parsed)


def _file_rule(raw, index: int, path: Path) -> FileRule:
    where = f"policy.files[{index}]"
    if not isinstance(raw, dict):
        raise AssignmentError(f"{path}: {where} must be a table")
    unknown = sorted(set(raw) - {"match", "allowed_imports"})
    if unknown:
        raise AssignmentError(f"{path}: {where}.{unknown[0]} is not a rule setting "
                              f"(known: allowed_imports, match)")
    match = raw.get("match")
    if not isinstance(match, str) or not match.strip() or match.startswith("/"):
        raise AssignmentError(f"{path}: {where}.match must be a glob relative to the "
                              f"submission's root, such as \"net_torch.py\"")
    if "allowed_imports" not in raw:
        raise AssignmentError(f"{path}: {where} needs allowed_imports")
    return FileRule(match, _libraries(raw["allowed_imports"], f"{where}.allowed_imports", path))


def _libraries(values, key: str, path: Path) -> tuple[str, ...]:
    if (not isinstance(values, list)
            or not all(isinstance(v, str) and v.isidentifier() for v in values)):
        raise AssignmentError(f"{path}: {key} must be a list of top-level package names, "
                              f"such as [\"numpy\"]")
    return tuple(sorted(set(values)))


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
        names = _member_names(submission)
        strength = {key: match_strength(submission, a.shape, names)
                    for key, a in available.items()}
        best = max(strength.values())
        matches = [available[key] for key, value in strength.items() if value and value == best]
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
    return match_strength(submission, shape) > 0


def match_strength(submission: Path, shape: SubmissionShape,
                   names: list[str] | None = None) -> int:
    """How plainly the submission's file names show this shape: 0, none of it; 1, its package
    folder or its module (a module file counts only where it is not part of a package, so one
    course's ``net/net.py`` is not another's ``net.py``); 2, that and a notebook the shape
    names (a notebook-only shape: 2 for one of its notebooks, else 0)."""
    paths = [PurePosixPath(n) for n in (_member_names(submission) if names is None else names)]
    paths = [p for p in paths if p.parts]
    if shape.notebook_only:   # nothing but notebooks to show
        return 2 if any(p.name in shape.notebooks for p in paths) else 0
    packages = {p.parent for p in paths if p.name == "__init__.py"}
    module = f"{shape.module}.py"
    code = any(shape.package in p.parts[:-1]
               or (p.name == module and p.parent not in packages) for p in paths)
    if not code:
        return 0
    notebooks = set(shape.notebooks)
    return 2 if notebooks and any(p.name in notebooks for p in paths) else 1


def _member_names(submission: Path) -> list[str]:
    """Relative names of the .py files of a folder or an archive; a lone file's own name.
    Unreadable or broken input has no names (intake reports it properly later)."""
    import tarfile
    import zipfile
    try:
        if submission.is_dir():
            return [p.relative_to(submission).as_posix() for p in submission.rglob("*")
                    if p.suffix in (".py", ".ipynb")]
        if zipfile.is_zipfile(submission):
            with zipfile.ZipFile(submission) as archive:
                return archive.namelist()
        if tarfile.is_tarfile(submission):
            with tarfile.open(submission) as archive:
                return archive.getnames()
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, tarfile.TarError):
        return []
    return [submission.name]


def _flag(raw: dict, key: str, path: Path) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise AssignmentError(f"{path}: submission.{key} must be true or false")
    return value


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


def _file_names(raw: dict, key: str, path: Path, suffix: str) -> list[str]:
    """Plain file names (no folder) ending in ``suffix``, each once."""
    values = _strings(raw, key, path)
    for value in values:
        if ("/" in value or "\\" in value or value.startswith(".") or not value.endswith(suffix)
                or len(value) <= len(suffix)):
            raise AssignmentError(f"{path}: submission.{key}: {value!r} must be a file name "
                                  f"ending in {suffix}, without a folder")
    if len(set(values)) != len(values):
        raise AssignmentError(f"{path}: submission.{key} names a file twice")
    return values


def _deliverable(raw, path: Path) -> Deliverable:
    if not isinstance(raw, dict) or not isinstance(raw.get("path"), str):
        raise AssignmentError(f"{path}: every submission.deliverables entry needs a path")
    kind = raw.get("kind", "file")
    if kind not in ("file", "folder"):
        raise AssignmentError(f"{path}: deliverable {raw['path']!r}: kind is file or folder")
    return Deliverable(raw["path"], kind, str(raw.get("description", "")))
