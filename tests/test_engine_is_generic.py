"""One engine, several assignments: autograder/ names no assignment and never imports one, and a
third assignment the engine has never seen (tests/fixtures/tiny_course) is added, given
references and graded without touching an engine file, and gets the kit's generic test suites
without a test file of its own."""
from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.assignments import (AssignmentError, SubmissionShape, choose, discover, holds,
                                    match_strength)
from support import ROOT

ENGINE = ROOT / "autograder"
TINY = Path(__file__).resolve().parent / "fixtures" / "tiny_course"
ENGINE_TEXT = [p for p in ENGINE.rglob("*") if p.is_file() and "__pycache__" not in p.parts]


def contract_names() -> set[str]:
    """What identifies an assignment: its name, package and module, and every name its case
    families look up on the student's code (``api.Name`` or a case's ``cls``)."""
    names = set()
    for a in discover().values():
        names |= {a.name, a.shape.package, a.shape.module}
        for family in a.scenarios_dir.glob("*.py"):
            names |= set(re.findall(r"\bapi\.([A-Za-z_]\w*)", family.read_text()))
        for spec in a.cases_dir.glob("*.toml"):
            names |= set(re.findall(r'\bcls = "(\w+)"', spec.read_text()))
    return {n for n in names if len(n) > 2} - ORDINARY_WORDS


# Course names that are also everyday words of any program (UvA's flat folder is `code/`, its
# main module `modules.py`): an engine line using the word says nothing about a course.
ORDINARY_WORDS = frozenset({"code", "modules"})


def test_no_engine_file_names_an_assignment_or_its_api():
    words = contract_names()
    assert {"hw1", "mlp", "Sigmoid", "BatchNorm", "get_training_stats"} <= words
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(words))) + r")\b")
    hits = []
    for path in ENGINE_TEXT:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        hits += [f"{path.relative_to(ROOT)}:{n}: {m.group(1)}"
                 for n, line in enumerate(text.splitlines(), 1)
                 for m in [pattern.search(line)] if m]
    assert hits == []


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_the_engine_import_graph_never_reaches_an_assignment():
    packages = {a.shape.package for a in discover().values()} | {"solution", "tests", "data"}
    for path in ENGINE.rglob("*.py"):
        tops = {name.partition(".")[0] for name in imported_modules(path)}
        assert not tops & packages, (path, tops & packages)
    # Importing every verb loads nothing from an assignment's folders.
    verbs = ["autograder.grade.cli", "autograder.batch.cli", "autograder.references.cli",
             "autograder.bundle.cli", "autograder.similarity.cli"]
    script = ("import json, sys, importlib\n"
              f"for v in {verbs!r}: importlib.import_module(v)\n"
              "print(json.dumps(sorted(str(getattr(m, '__file__', '') or '') "
              "for m in list(sys.modules.values()))))")
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    loaded = [Path(f) for f in json.loads(proc.stdout) if f]
    assignment_folders = [ROOT / name for name in ("solution", "data", "handout", "tests")]
    outside = [f for f in loaded if any(folder in f.parents for folder in assignment_folders)]
    assert outside == []


@pytest.fixture
def tiny_root(tmp_path, monkeypatch):
    """A kit-shaped root holding only the tiny assignment, named to the engine by the
    environment, as an instructor adds a course without touching autograder/."""
    root = tmp_path / "course"
    shutil.copytree(TINY, root)
    monkeypatch.setenv("AUTOGRADER_ASSIGNMENTS", str(root))
    return root


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))


def test_a_new_assignment_needs_no_engine_change(tiny_root, tmp_path):
    before = {p: p.read_bytes() for p in ENGINE_TEXT}
    made = run("references", "--assignment", "tiny")
    assert made.returncode == 0, made.stderr
    assert (tiny_root / "data" / "tiny" / "visible" / "manifest.json").is_file()
    solution = tiny_root / "solution" / "tiny"
    out = tmp_path / "r.json"
    graded = run("grade", solution, "--assignment", "tiny", "--json", out)
    assert graded.returncode == 0, graded.stderr
    result = json.loads(out.read_text())
    assert result["score"] == 10 and [i["id"] for i in result["items"]] == ["scale"]
    wrong = tmp_path / "wrong" / "tinynet"
    wrong.mkdir(parents=True)
    (wrong / "__init__.py").write_text("def scale(x, factor):\n    return x * abs(factor)\n")
    graded = run("grade", wrong.parent, "--json", out)   # inferred from the package name
    assert graded.returncode == 0, graded.stderr
    result = json.loads(out.read_text())
    assert result["score"] == 5, result   # right on the visible case, wrong on the hidden one
    message = result["items"][0]["cases"][1]["message"]
    assert "scaled" in message and "wrong sign" in message
    assert before == {p: p.read_bytes() for p in ENGINE_TEXT}


def test_a_submission_names_its_assignment_or_gets_a_one_line_choice(tiny_root, tmp_path):
    available = discover()
    assert {"hw1", "tiny"} <= set(available)
    single = tmp_path / "tiny.py"
    single.write_text("def scale(x, f):\n    return x\n")
    assert holds(single, available["tiny"].shape) and not holds(single, available["hw1"].shape)
    assert choose(None, single, available).name == "tiny"
    junk = tmp_path / "notes.txt"
    junk.write_text("nothing to grade")
    with pytest.raises(AssignmentError, match=r"choose with --assignment NAME \(one of: .*tiny"):
        choose(None, junk, available)
    proc = run("grade", junk)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "--assignment" in proc.stderr and "hw1" in proc.stderr
    proc = run("grade", junk, "--assignment", "nope")
    assert proc.returncode == 2 and "unknown assignment 'nope'" in proc.stderr


GENERIC_SUITES = ["tests/test_reference_oracle.py", "tests/test_alternatives.py",
                  "tests/test_mutants.py", "tests/test_hostile.py"]


@pytest.mark.slow
def test_the_generic_suites_take_a_new_assignment_without_a_test_of_its_own(tiny_root):
    """The tiny course declares data only (its [fidelity] table, and an oracle beside it in
    tests/assignments/tiny/): with references made, the kit's generic suites collect it and
    pass on it, with no test file written for it."""
    made = run("references", "--assignment", "tiny")
    assert made.returncode == 0, made.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", "-k", "tiny",
         *GENERIC_SUITES], cwd=ROOT, capture_output=True, text=True, timeout=900,
        env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    passed = [line.split(" ", 1)[1] for line in proc.stdout.splitlines()
              if line.startswith("PASSED ")]
    for wanted in ("test_every_family_has_an_oracle_or_a_stated_reason[tiny]",
                   "test_the_saved_reference_agrees_with_the_oracle[tiny/",
                   "test_every_assignment_has_its_alternatives[tiny]",
                   "test_a_syntax_error_is_reported_with_its_line[tiny]",
                   "test_junk_submissions_get_a_full_report[tiny-"):
        assert any(wanted in line for line in passed), (wanted, passed)
    # No mutation catalogue and no hostile corpus: those suites have nothing of tiny's to run.
    assert not any("test_mutants.py" in line for line in passed)


def test_one_courses_package_submodule_is_not_another_courses_module(tmp_path):
    """A package course (pkg ``mlp``, module ``hw1``) and a module course whose module is also
    ``mlp`` (plus notebooks) are told apart by the shape of the files, not their names."""
    package_course = SubmissionShape(package="mlp", module="hw1")
    module_course = SubmissionShape(package="byo", module="mlp", notebooks=("Run.ipynb",))
    package = tmp_path / "package"
    for name in ("__init__.py", "mlp.py", "loss.py"):
        (package / "mlp").mkdir(parents=True, exist_ok=True)
        (package / "mlp" / name).write_text("")
    assert match_strength(package, package_course) == 1
    assert match_strength(package, module_course) == 0     # mlp/mlp.py is a submodule
    module = tmp_path / "module"
    module.mkdir()
    (module / "mlp.py").write_text("")
    assert match_strength(module, module_course) == 1 and not holds(module, package_course)
    (module / "Run.ipynb").write_text("{}")
    assert match_strength(module, module_course) == 2     # its notebook makes it plainer
