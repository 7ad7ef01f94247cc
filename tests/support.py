"""Helpers for the kit's tests: make submissions from a solution, grade them end to end.

Paths default to the first assignment, hw1; ``assignment(name)`` gives any other's."""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.assignments import Assignment, discover

ROOT = Path(__file__).resolve().parent.parent
SOLUTION_DIR = ROOT / "solution" / "hw1"
RUBRIC = SOLUTION_DIR / "grading" / "rubric.toml"
HW1_DATA = ROOT / "data" / "hw1"
HW1_CASES = SOLUTION_DIR / "grading" / "cases"
ASSIGNMENTS = sorted(discover())


def assignment(name: str = "hw1") -> Assignment:
    return discover()[name]


def solution_modules(name: str) -> dict[str, Path]:
    """The top-level modules and regular packages a solution folder offers once on sys.path
    (``mlp``, ``tools``, ``train`` for hw1), by name."""
    folder = assignment(name).solution_dir
    found = {p.stem: p for p in folder.glob("*.py")}
    found |= {p.parent.name: p.parent for p in folder.glob("*/__init__.py")}
    return found


def put_solution_on_path(name: str) -> Path:
    """Make one assignment's solution importable (``import mlp``) for the tests of its own
    folder, tests/assignments/<name>/; refuses when another assignment's solution already on
    sys.path offers a module of the same name, so two assignments never shadow each other."""
    folder = assignment(name).solution_dir
    mine = solution_modules(name)
    for other in discover().values():
        if other.name == name or other.solution_dir is None or \
                str(other.solution_dir) not in sys.path:
            continue
        clash = sorted(set(mine) & set(solution_modules(other.name)))
        assert not clash, f"solution/{name} and solution/{other.name} both offer {clash}"
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    return folder


@dataclass(frozen=True)
class Fidelity:
    """What the generic suites hold one assignment to: its assignment.toml's [fidelity] table
    (test data; the engine ignores it). A new assignment that declares nothing gets these
    defaults."""
    minimum_mutants: int = 10          # size its grading/mutants.py catalogue promises
    minimum_loop_mutants: int = 0      # mutants aimed at "vectorisation" (loops over samples)
    known_mistakes_floor: int = 1      # mutants whose first failed visible case names them
    items_without_code: frozenset[str] = frozenset()   # items no mutant can aim at
    minimum_alternatives: int = 2      # folders in tests/alternatives/<name>/


def fidelity(name: str) -> Fidelity:
    table = dict(assignment(name).extra.get("fidelity", {}))
    unknown = set(table) - set(Fidelity.__dataclass_fields__)
    assert not unknown, f"{name}: unknown [fidelity] keys {sorted(unknown)}"
    if "items_without_code" in table:
        table["items_without_code"] = frozenset(table["items_without_code"])
    return Fidelity(**table)


def own_tests_dir(name: str) -> Path | None:
    """tests/assignments/<name>/ of the kit-shaped root that holds the assignment (the kit's,
    or a course root named in AUTOGRADER_ASSIGNMENTS); None for a distribution."""
    solution = assignment(name).solution_dir
    return None if solution is None else solution.parents[1] / "tests" / "assignments" / name


def own_module(name: str, stem: str):
    """The module ``stem`` (oracle, hostile_corpus) of an assignment's own tests folder, or
    None when the assignment has none. Loaded by path under a name of its own, so that a course
    outside the kit is found as the kit's own assignments are."""
    folder = own_tests_dir(name)
    path = None if folder is None else folder / f"{stem}.py"
    if path is None or not path.is_file():
        return None
    qualified = f"_own_tests_{name}_{stem}"
    if qualified not in sys.modules:
        spec = importlib.util.spec_from_file_location(qualified, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[qualified] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[qualified]
            raise
    return sys.modules[qualified]


def import_solution(name: str):
    """An assignment's solution package, imported under its own name from its own folder
    without putting that folder on sys.path; fails if a different package of that name (another
    assignment's) is already imported. A flat code folder (shape.flat) is put on sys.path and
    stood for by a namespace as the grader's SubmissionAPI shows it: the main module's names,
    and each graded module under its own name (``__flat_modules__`` lists them)."""
    spec_of = assignment(name)
    if spec_of.shape.flat:
        return _flat_solution(spec_of)
    package = spec_of.shape.package
    if not (spec_of.solution_dir / package).is_dir():
        return _module_solution(spec_of)
    init = spec_of.solution_dir / package / "__init__.py"
    loaded = sys.modules.get(package)
    if loaded is not None:
        assert Path(getattr(loaded, "__file__", "") or "").resolve() == init.resolve(), \
            f"another {package!r} is already imported: {getattr(loaded, '__file__', None)}"
        return loaded
    spec = importlib.util.spec_from_file_location(package, init,
                                                  submodule_search_locations=[str(init.parent)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[package] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[package]
        raise
    return module


def _module_solution(spec_of: Assignment):
    """A module-shaped solution (solution/<a>/<module>.py beside its notebooks), loaded by path
    under a name of its own: its module name (``mlp``) may be another assignment's package."""
    qualified = f"_solution_{spec_of.name}_{spec_of.shape.module}"
    if qualified not in sys.modules:
        path = spec_of.solution_dir / f"{spec_of.shape.module}.py"
        spec = importlib.util.spec_from_file_location(qualified, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[qualified] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[qualified]
            raise
    return sys.modules[qualified]


def _flat_solution(spec_of: Assignment):
    import types
    folder = (spec_of.solution_dir / spec_of.shape.package).resolve()
    names = (spec_of.shape.module, *spec_of.shape.submodules)
    for module in names:
        loaded = sys.modules.get(module)
        if loaded is not None:
            assert Path(getattr(loaded, "__file__", "") or "").resolve().parent == folder, \
                f"another {module!r} is already imported: {getattr(loaded, '__file__', None)}"
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    namespace = types.ModuleType(f"_flat_solution_{spec_of.name}")
    main = importlib.import_module(spec_of.shape.module)
    for key, value in vars(main).items():
        if not key.startswith("_"):
            setattr(namespace, key, value)
    for module in names:
        setattr(namespace, module, importlib.import_module(module))
    namespace.__flat_modules__ = names
    return namespace


def copy_solution(dest: Path, name: str = "hw1") -> Path:
    """A submission folder holding a copy of the assignment's solution (its package, or its
    module and notebooks)."""
    from autograder.references import solution
    dest.mkdir(parents=True, exist_ok=True)
    solution.copy_solution(assignment(name), dest)
    return dest


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace ``old`` by ``new`` in a file; fails loudly when ``old`` is not there."""
    text = path.read_text()
    assert text.count(old) >= count, f"{old!r} not found in {path}"
    path.write_text(text.replace(old, new, count))


def limited_course(dest: Path, name: str = "hw1", **limits) -> dict[str, str]:
    """A kit-shaped root at ``dest`` holding a copy of the assignment's grading spec with some
    sandbox limits changed ([policy.limits] of its assignment.toml) and its real references;
    returns the environment that makes the engine take the assignment from there."""
    source = assignment(name)
    spec = dest / "solution" / name / "grading"
    shutil.copytree(source.spec_dir, spec, ignore=shutil.ignore_patterns("__pycache__"))
    for support in source.shape.support:   # the grader's own modules, supplied to every run
        shutil.copy2(source.support_dir / support, spec.parent / support)
    (dest / "data").mkdir(parents=True, exist_ok=True)
    (dest / "data" / name).symlink_to(source.data_dir, target_is_directory=True)
    set_limits(spec / "assignment.toml", **limits)
    return {"AUTOGRADER_ASSIGNMENTS": str(dest)}


def set_limits(spec: Path, **limits) -> None:
    """Change some sandbox limits in an assignment.toml ([policy.limits]; others kept)."""
    import tomllib
    text = spec.read_text()
    merged = {**tomllib.loads(text).get("policy", {}).get("limits", {}), **limits}
    head, found, rest = text.partition("[policy.limits]\n")
    if found:   # drop the old table's lines up to the next table
        lines = rest.splitlines(keepends=True)
        cut = next((i for i, line in enumerate(lines) if line.startswith("[")), len(lines))
        text = head + "".join(lines[cut:])
    table = "".join(f"{key} = {value!r}\n" for key, value in merged.items())
    spec.write_text(text.rstrip("\n") + "\n\n[policy.limits]\n" + table)


def run_autograder(*args, timeout: float = 600, cwd: Path = ROOT,
                   environ: dict | None = None) -> subprocess.CompletedProcess:
    """``environ``: more environment for the grader (limited_course's, say)."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", **(environ or {}))
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, env=env)


def grade(submission: Path, tmp: Path, *extra, environ: dict | None = None
          ) -> tuple[dict, subprocess.CompletedProcess]:
    """Grade end to end through the CLI (as hw1 unless ``extra`` names the assignment); return
    the rubric JSON and the process. ``environ``: as for run_autograder."""
    out = tmp / f"result-{len(list(tmp.glob('result-*.json')))}.json"
    if "--assignment" not in extra:
        extra = ("--assignment", "hw1", *extra)
    proc = run_autograder("grade", submission, "--json", out, *extra, environ=environ)
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text()), proc


def item_scores(result: dict) -> dict[str, float]:
    return {item["id"]: item["score"] for item in result["items"]}


def full_marks(result: dict) -> dict[str, float]:
    return {item["id"]: item["max_score"] for item in result["items"]}


def family(name: str, assignment_name: str = "hw1"):
    """A case family module of an assignment (or its ``common`` helpers), imported as grading
    imports it."""
    return assignment(assignment_name).scenarios.family(name)


def families(assignment_name: str = "hw1") -> dict:
    """Every case family of an assignment by name (its helper modules left out)."""
    folder = assignment(assignment_name).scenarios_dir
    return {p.stem: family(p.stem, assignment_name) for p in sorted(folder.glob("*.py"))
            if not p.stem.startswith("_") and hasattr(family(p.stem, assignment_name), "run")}


def prepare_hw1(source: Path, scratch: Path, limits=None):
    """Intake of a submission as hw1's (``limits``: ArchiveLimits)."""
    from autograder.submission import prepare
    shape = assignment("hw1").shape
    return prepare(source, scratch, shape) if limits is None else prepare(source, scratch,
                                                                            shape, limits)


def run_hw1_cases(located, cases, limits=None) -> dict:
    """The sandbox run of worker specs with hw1's case families: every outcome, by case name."""
    from autograder.sandbox import run_cases
    return dict(run_cases(located, cases, assignment("hw1").scenarios, limits))
