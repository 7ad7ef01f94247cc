"""The `handout` verb (autograder/handout/): the stripper on synthetic inputs, the build on a
synthetic kit (one small assignment laid out like the real ones, with real references), and,
for every discovered assignment, the generic suite: the handout parses and imports, its stubs
raise, nothing leaks, two builds are byte-identical, the stubs score zero and the solution full
from the unzipped student archive, graded by the archive's own engine as a student runs it.

Handout code is only ever imported in a subprocess: in this process `mlp` is the solution.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.assignments import ROOTS_VARIABLE, discover
from autograder.distribution import INSTRUCTOR_VERBS
from autograder.handout.build import Handout, assemble
from autograder.handout.check import check
from autograder.handout.config import BuildError, matches_any
from autograder.handout.leaks import find_leaks
from autograder.handout.strip import strip_notebook, strip_python
from autograder.handout.verify import verify_in_fresh_interpreter
from autograder.references.solution import code_dir, graded_files, is_package
from conftest import ROOT

PYTHON = sys.executable


def strip(source: str, **kwargs) -> str:
    return strip_python(textwrap.dedent(source), "f.py", **kwargs).text
# ----------------------------------------------------------------------------- python markers

def test_block_in_a_method_becomes_raise_at_its_indentation_and_the_docstring_stays():
    out = strip('''
        class Sigmoid:
            def forward(self, x):
                """Return 1 / (1 + exp(-x)), same shape as x."""
                # BEGIN SOLUTION
                self.state = 1 / (1 + np.exp(-x))
                return self.state
                # END SOLUTION

            def other(self):
                return 1
        ''')
    assert out == textwrap.dedent('''
        class Sigmoid:
            def forward(self, x):
                """Return 1 / (1 + exp(-x)), same shape as x."""
                raise NotImplementedError

            def other(self):
                return 1
        ''')


def test_prompt_becomes_a_todo_above_the_raise():
    out = strip('''
        def f(x):
            # BEGIN SOLUTION: use the log-sum-exp trick
            return x
            # END SOLUTION
        ''')
    assert out == "\ndef f(x):\n    # TODO: use the log-sum-exp trick\n    raise NotImplementedError\n"


def test_block_in_a_branch_keeps_the_branch_indentation_and_tabs_work():
    out = strip('''
        def f(x, flag):
            if flag:
                # BEGIN SOLUTION
                y = x + 1
                return y
                # END SOLUTION
            return x
        ''')
    assert "        raise NotImplementedError\n    return x\n" in out
    tabbed = "def f(x):\n\t# BEGIN SOLUTION\n\treturn x\n\t# END SOLUTION\n"
    assert strip(tabbed) == "def f(x):\n\traise NotImplementedError\n"


def test_blocks_outside_functions_keep_the_names_they_bind_so_the_module_imports():
    out = strip('''
        # BEGIN SOLUTION: choose the table size
        TABLE_SIZE = 16
        LIMITS: tuple = (0, TABLE_SIZE)
        for i in range(3):
            pass
        # END SOLUTION
        class A:
            # BEGIN SOLUTION
            eps = 1e-8
            # END SOLUTION
        # BEGIN SOLUTION
        print("side effect")
        # END SOLUTION
        ''')
    assert out == textwrap.dedent('''
        # TODO: choose the table size
        TABLE_SIZE = ...
        LIMITS = ...
        class A:
            eps = ...
        ...
        ''')


def test_notebook_cell_blocks_at_top_level_raise():
    out = strip('''
        # BEGIN SOLUTION: pick the widths
        hiddens = [64, 32]
        # END SOLUTION
        %matplotlib inline
        ''', notebook_cell=True)
    assert out == "\n# TODO: pick the widths\nraise NotImplementedError\n%matplotlib inline\n"


def test_solution_lines_keep_the_left_side_of_the_assignment():
    out = strip('''
        rate = 0.9  # SOLUTION
        table: dict[str, int] = {"a": 1}  #SOLUTION
        def f():
            x[0] = g(a=1,
                     b=2)  # SOLUTION
            return x
        ''')
    assert out == textwrap.dedent('''
        rate = ...
        table: dict[str, int] = ...
        def f():
            x[0] = ...
            return x
        ''')


def test_a_file_without_markers_comes_out_byte_for_byte():
    source = "x  =  1 ;y=2   \r\n# BEGIN solution (lower case is no marker)\nz = '''\n'''"
    assert strip_python(source, "f.py").text == source


@pytest.mark.parametrize("source, line, message", [
    ("def f():\n    # BEGIN SOLUTION\n    return 1\n", 2, "BEGIN SOLUTION without an END"),
    ("def f():\n    return 1\n    # END SOLUTION\n", 3, "END SOLUTION without a BEGIN"),
    ("def f():\n    # BEGIN SOLUTION\n    x = 1\n    # BEGIN SOLUTION\n    y = 2\n"
     "    # END SOLUTION\n    # END SOLUTION\n", 4, "nested BEGIN SOLUTION"),
    ('def f():\n    """Doc.\n\n    # BEGIN SOLUTION\n    """\n', 4, "inside a string literal"),
    ('MSG = "# END SOLUTION"\n', 1, "inside a string literal"),
    ('x = 1\nDOC = """\nrate = 0.9  # SOLUTION\n"""\n', 3, "inside a string literal"),
    ("x = 1  # BEGIN SOLUTION\n", 1, "malformed solution marker"),
    ("def f():\n    # BEGIN SOLUTIONS\n    return 1\n", 2, "malformed solution marker"),
    ("def f():\n    x = (1 +\n    # BEGIN SOLUTION\n         2)\n    # END SOLUTION\n",
     2, "no longer parses after stripping"),
    ("def f():\n    # BEGIN SOLUTION\n        return 1\n    # END SOLUTION\n", 3, "indented like"),
    ("def f():\n    # BEGIN SOLUTION\n    x = 1\n  # END SOLUTION\n", 4, "indented differently"),
    ("# BEGIN SOLUTION\ndef helper():\n    pass\n# END SOLUTION\n", 1, "'helper' is defined"),
    ("x += 1  # SOLUTION\n", 1, "needs an assignment"),
    ("    # SOLUTION\nx = 1\n", 1, "must end a line of code"),
    ("x = f(1,  # SOLUTION\n      2)\n", 1, "must end a whole statement"),
    ("def f(:\n    # BEGIN SOLUTION\n    pass\n    # END SOLUTION\n", 1, "does not parse"),
])
def test_marker_errors_name_the_file_and_line(source, line, message):
    with pytest.raises(BuildError) as caught:
        strip_python(source, "pkg/f.py")
    text = str(caught.value)
    assert text.startswith(f"pkg/f.py:{line}: "), text
    assert message in text and "\n" not in text


def test_the_stripper_records_every_function_it_stubbed_by_qualified_name():
    result = strip_python(textwrap.dedent('''
        def top(x):
            # BEGIN SOLUTION
            return x
            # END SOLUTION

        class Outer:
            class Inner:
                def method(self):
                    # BEGIN SOLUTION
                    pass
                    # END SOLUTION
                    # BEGIN SOLUTION
                    pass
                    # END SOLUTION

            def with_closure(self):
                def helper():
                    # BEGIN SOLUTION
                    return 1
                    # END SOLUTION
                return helper()

            def untouched(self):
                return 2
        '''), "f.py")
    assert result.functions == ["top", "Outer.Inner.method", "Outer.with_closure"]


# ----------------------------------------------------------------------------- notebooks

def make_notebook() -> str:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    code = nbformat.v4.new_code_cell(
        "%matplotlib inline\n# BEGIN SOLUTION: build the network\nnet = make_net(64)\n"
        "# END SOLUTION\nprint(net)", execution_count=3,
        outputs=[nbformat.v4.new_output("stream", name="stdout", text="Net(64)\n")])
    code.metadata["execution"] = {"iopub.status.busy": "2024-01-01T00:00:00Z"}
    answer = nbformat.v4.new_markdown_cell("Sigmoid saturates, so its gradient vanishes.")
    answer.metadata["tags"] = ["solution"]
    solved_code = nbformat.v4.new_code_cell("secret_helper_value = 42", execution_count=4)
    solved_code.metadata["tags"] = ["solution"]
    question = nbformat.v4.new_markdown_cell("**Q1.** Why do deep sigmoid nets train slowly?")
    nb.cells = [question, code, answer, solved_code]
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index}"
    return nbformat.writes(nb)


def test_notebook_is_stripped_cleared_and_still_valid():
    stripped = strip_notebook(make_notebook(), "hw.ipynb")
    nb = nbformat.reads(stripped, as_version=4)
    nbformat.validate(nb)
    question, code, answer, solved_code = nb.cells
    assert question.source == "**Q1.** Why do deep sigmoid nets train slowly?"
    assert code.source == ("%matplotlib inline\n# TODO: build the network\n"
                           "raise NotImplementedError\nprint(net)")
    assert answer.source == "YOUR ANSWER HERE"
    assert "secret_helper_value" not in solved_code.source
    assert "raise NotImplementedError" in solved_code.source
    for cell in (code, solved_code):
        assert cell.outputs == [] and cell.execution_count is None
        assert "execution" not in cell.metadata
    assert "make_net" not in stripped and "saturates" not in stripped


def test_notebook_marker_errors_name_the_cell():
    broken = json.loads(make_notebook())
    broken["cells"][1]["source"] = "# BEGIN SOLUTION\nx = 1\n"
    with pytest.raises(BuildError, match=r"^hw\.ipynb\[cell 1\]:1: BEGIN SOLUTION without"):
        strip_notebook(json.dumps(broken), "hw.ipynb")


# ----------------------------------------------------------------------------- config globs

@pytest.mark.parametrize("path, patterns, expected", [
    ("data/hw1/hidden/x.npz", ["data/hw1/hidden"], True),
    ("data/hw1/hidden/x.npz", ["data/hw1/hidden/**"], True),
    ("data/hw1/visible/x.npz", ["data/hw1/hidden"], False),
    ("solution/hw1/mlp/sub/test_core.py", ["solution/**/test_*.py"], True),
    ("solution/hw1/test_core.py", ["solution/**/test_*.py"], True),
    ("autograder/grading/test_rubric.py", ["solution/**/test_*.py"], False),
    ("solution/hw1/grading/cases/hidden.toml", ["solution/hw1/grading/cases"], True),
    ("solution/cw3/grading/cases/hidden.toml", ["solution/hw1/grading/cases"], False),
    ("a/b/__pycache__/m.cpython-311.pyc", ["__pycache__"], True),
    ("a/b/m.pyc", ["*.pyc"], True),
    ("a/outputs_table.py", ["outputs"], False),
])
def test_glob_patterns(path, patterns, expected):
    assert matches_any(path, patterns) is expected



# ----------------------------------------------------------------------------- a synthetic kit

CORE = '''\
"""Core of a tiny package."""
import numpy as np

RATE = 0.25  # SOLUTION

# BEGIN SOLUTION: choose the table size
TABLE_SIZE = 16
# END SOLUTION


def square(x):
    """Return x squared, same shape as x."""
    # BEGIN SOLUTION
    return np.multiply(x, x) + 0 * RATE
    # END SOLUTION


class Doubler:
    """Doubles things."""

    def __init__(self, factor):
        self.factor = factor

    def forward(self, x, scale=False):
        """Return 2x (times factor if scale)."""
        if scale:
            # BEGIN SOLUTION: multiply by the factor
            return x * self.factor * 2
            # END SOLUTION
        # BEGIN SOLUTION
        doubled_value = x + x
        return doubled_value
        # END SOLUTION

    @property
    def label(self):
        """A name for plots."""
        # BEGIN SOLUTION
        return "doubler-" + str(self.factor)
        # END SOLUTION

    @staticmethod
    def difference(a, b=1):
        # BEGIN SOLUTION
        return a - b
        # END SOLUTION
'''

SCENARIO = '''\
"""square(x) on a random vector. params: seed, size."""
from autograder.scenarios.toolkit import case_rng, snapshot


def run(api, params):
    x = case_rng(params["seed"]).standard_normal(int(params["size"]))
    return {"squared": snapshot(api.square(x), "squared")}
'''

HIDDEN_TOML = ('[[case]]\nname = "hidden_secret_case"\nfamily = "core"\nitem = "square"\n'
               'uses = []\nparams = { seed = 2, size = 7 }\n')
KIT_HANDOUT = [
    "README.md", "data/visible/manifest.json", "data/visible/visible_case.npz",
    "grading/assignment.toml", "grading/rubric.toml", "grading/scenarios/core.py",
    "mlp/__init__.py", "mlp/core.py", "notebooks/hw.ipynb", "requirements.txt",
    "tools/__init__.py", "tools/util.py", "train.py"]


def write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def student_environment() -> dict[str, str]:
    """Nothing in the environment that could lead a child back to this repository."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("PYTHON") and key != ROOTS_VARIABLE}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


@pytest.fixture(scope="module")
def kit_template(tmp_path_factory) -> Path:
    """A miniature kit with one assignment, hw1, laid out like the real ones: the real engine,
    the real solution/hw1/handout.toml, a tiny `mlp` package with every kind of marker, a
    grading spec of one item, and references generated by the kit's own `references` verb."""
    root = tmp_path_factory.mktemp("kit-template") / "kit"
    shutil.copytree(ROOT / "autograder", root / "autograder",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    write(root / "requirements.txt", "numpy>=1.24\n")
    hw1 = root / "solution/hw1"
    write(hw1 / "handout.toml", (ROOT / "solution/hw1/handout.toml").read_text())
    write(hw1 / "handout-README.md", "# Homework\nImplement mlp/.\n")
    write(hw1 / "mlp/__init__.py", "from .core import RATE, TABLE_SIZE, Doubler, square\n")
    write(hw1 / "mlp/core.py", CORE)
    write(hw1 / "mlp/test_core.py", "def test_square():\n    assert True\n")
    write(hw1 / "tools/__init__.py", "")
    write(hw1 / "tools/util.py", "def identity(x):\n    return x\n")
    write(hw1 / "tools/__pycache__/util.cpython-311.pyc", b"\x00junk")
    write(hw1 / "train.py", 'if __name__ == "__main__":\n    print("training")\n')
    write(hw1 / "notebooks/hw.ipynb", make_notebook())
    write(hw1 / "notebooks/outputs/curve.png", b"\x89PNG")
    write(hw1 / "grading/assignment.toml",
          'name = "hw1"\n[submission]\npackage = "mlp"\nmodule = "mlp"\n')
    write(hw1 / "grading/rubric.toml",
          'cap = 10\n\n[[item]]\nid = "square"\nname = "square(x)"\npoints = 10\n')
    write(hw1 / "grading/scenarios/core.py", SCENARIO)
    write(hw1 / "grading/cases/visible.toml", HIDDEN_TOML.replace(
        "hidden_secret_case", "visible_case").replace("seed = 2, size = 7", "seed = 1, size = 5"))
    write(hw1 / "grading/cases/hidden.toml", HIDDEN_TOML)
    write(hw1 / "grading/mutants.py", 'MUTANTS = {"square": "return np.multiply(x, x) + 1"}\n')
    done = subprocess.run([PYTHON, "-m", "autograder", "references", "--assignment", "hw1",
                           "--skip-mistakes"], cwd=root, env=student_environment(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (root / "data/hw1/hidden/hidden_secret_case.npz").is_file()
    return root


@pytest.fixture
def kit(kit_template, tmp_path) -> Path:
    root = tmp_path / "kit"
    shutil.copytree(kit_template, root)
    return root


def run_verb(kit: Path, *args: str) -> subprocess.CompletedProcess:
    """`python -m autograder handout ...` with the kit's own engine (the kit is its root)."""
    return subprocess.run([PYTHON, "-m", "autograder", "handout", *args], cwd=kit,
                          env=student_environment(), capture_output=True, text=True, timeout=300)


def kit_handout(kit: Path) -> Handout:
    return assemble(discover(kit, environ={})["hw1"])


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def zip_contents(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def student_engine(engine_dir: Path) -> dict[str, bytes]:
    """What the archive must carry of an engine folder: everything but the instructor verbs
    (and caches), under autograder/."""
    files = {}
    for path in sorted(engine_dir.rglob("*")):
        rel = path.relative_to(engine_dir)
        if (not path.is_file() or rel.parts[0] in INSTRUCTOR_VERBS or path.suffix == ".pyc"
                or any(part == "__pycache__" or part.startswith(".") for part in rel.parts)):
            continue
        files[f"autograder/{rel.as_posix()}"] = path.read_bytes()
    return files


def no_leftovers(folder: Path) -> bool:
    """No staging or retired folder of an interrupted or refused build."""
    return not any(p.name.startswith(".") for p in folder.iterdir()) if folder.is_dir() else True


def test_the_verb_lays_out_the_handout_and_leaves_instructor_files_behind(kit):
    done = run_verb(kit, "hw1")
    assert done.returncode == 0, done.stderr
    out = kit / "build/hw1/handout"
    assert done.stdout == f"wrote {out}\n"
    files = tree(out)
    # No engine, no case specs, no mutants, no hidden references, no solution tests, no debris.
    assert sorted(files) == KIT_HANDOUT
    assert "raise NotImplementedError" in files["mlp/core.py"].decode()
    assert files["grading/rubric.toml"] == (kit / "solution/hw1/grading/rubric.toml").read_bytes()
    assert not (kit / "build/hw1-handout.zip").exists()     # the archive only with --zip


def test_build_and_zip_are_byte_identical_when_repeated(kit, tmp_path):
    done = run_verb(kit, "hw1", "--zip")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == f"wrote {kit / 'build/hw1-handout.zip'}"
    first = tree(kit / "build/hw1/handout")
    (kit / "solution/hw1/mlp/core.py").touch()
    done = run_verb(kit, "hw1", "--out", str(tmp_path / "second"), "--zip-to",
                    str(tmp_path / "two.zip"))
    assert done.returncode == 0, done.stderr
    assert tree(tmp_path / "second") == first
    assert (kit / "build/hw1-handout.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "two.zip") as archive:
        infos = archive.infolist()
        contents = {i.filename: archive.read(i) for i in infos}
    names = [i.filename for i in infos]
    assert names == sorted(names) and all(n.startswith("hw1/") for n in names)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {(i.external_attr >> 16) & 0o777 for i in infos} == {0o644}
    # The handout and the student copy of the kit's engine, nothing else.
    engine = student_engine(kit / "autograder")
    assert "autograder/grade/cli.py" in engine and "autograder/__main__.py" in engine
    assert contents == {f"hw1/{name}": data for name, data in {**first, **engine}.items()}
    assert "handout" in INSTRUCTOR_VERBS and not any(
        n.startswith(tuple(f"hw1/autograder/{verb}/" for verb in INSTRUCTOR_VERBS)) for n in names)
    hidden = (kit / "data/hw1/hidden/hidden_secret_case.npz").read_bytes()
    assert hidden not in contents.values()
    assert not any("hidden" in n or "/cases/" in n or "mutants" in n for n in names)


def test_check_proves_the_kit_handout_and_says_what_it_proved(kit):
    done = run_verb(kit, "hw1", "--check")
    assert done.returncode == 0, done.stderr
    summary = done.stdout.splitlines()[-1]
    for fact in ("two builds are byte-identical", "no leak in the", "the stubs score 0/10",
                 "the solution scores 10/10"):
        assert fact in summary, summary


def test_check_fails_when_the_stubs_score_or_the_builds_differ(kit):
    assignment = discover(kit, environ={})["hw1"]
    handout = assemble(assignment)
    # The solution shipped in place of the stubs: it scores, and check says on which item.
    solved = Handout(handout.config, {**handout.files, "mlp/core.py": CORE.encode()},
                     handout.stubbed)
    report = check(assignment, solved, solved.archive_bytes())
    assert "the stubs score on ['square']" in report.problems
    assert "two builds differ (not deterministic, or a source changed during the build): " \
           "mlp/core.py" in report.problems
    # A solution that loses points once dropped in: check says so.
    core = kit / "solution/hw1/mlp/core.py"
    core.write_text(CORE.replace("return np.multiply(x, x) + 0 * RATE", "return x"))
    handout = assemble(assignment)
    report = check(assignment, handout, handout.archive_bytes())
    assert report.problems == ["the solution loses points on ['square']"]


def test_the_archive_is_scanned_engine_included(kit, tmp_path):
    """The student copy of the engine ships too, so it is scanned; an instructor verb left out
    of the student copy may hold anything."""
    assert run_verb(kit, "hw1").returncode == 0
    before = tree(kit / "build/hw1")
    write(kit / "autograder/batch/planted_note.py", "# doubled_value = x + x\n")
    done = run_verb(kit, "hw1", "--zip-to", str(tmp_path / "ok.zip"))
    assert done.returncode == 0, done.stderr
    write(kit / "autograder/grade/planted_note.py", "# see hidden_secret_case\n")
    done = run_verb(kit, "hw1", "--zip-to", str(tmp_path / "leaky.zip"))
    assert done.returncode == 1
    assert "refusing to write the handout" in done.stderr
    assert "autograder/grade/planted_note.py: names hidden case 'hidden_secret_case'" in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert not (tmp_path / "leaky.zip").exists()
    assert tree(kit / "build/hw1") == before


def test_a_marker_error_is_one_line_and_leaves_the_old_handout_untouched(kit):
    assert run_verb(kit, "hw1").returncode == 0
    before = tree(kit / "build/hw1")
    core = kit / "solution/hw1/mlp/core.py"
    core.write_text(core.read_text().replace("    # END SOLUTION\n\n\nclass",
                                             "    # BEGIN SOLUTION\n\n\nclass", 1))
    done = run_verb(kit, "hw1")
    assert done.returncode == 1
    assert re.fullmatch(r"autograder handout: error: solution/hw1/mlp/core\.py:\d+: nested "
                        r"BEGIN SOLUTION .*\n", done.stderr), done.stderr
    assert tree(kit / "build/hw1") == before
    assert no_leftovers(kit / "build/hw1")


@pytest.mark.parametrize("args, message", [
    (["hw1", "--bogus"], "unrecognized arguments"),
    ([], "required: ASSIGNMENT"),
    (["nosuch"], "unknown assignment 'nosuch'; known: hw1"),
    (["hw1", "--out", "no/such/folder/h"], "--out: folder"),
    (["hw1", "--zip-to", "no/such/folder/h.zip"], "--zip-to: folder"),
])
def test_usage_errors_exit_2_in_one_line_and_write_nothing(kit, args, message):
    done = run_verb(kit, *args)
    assert done.returncode == 2
    assert message in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert not (kit / "build").exists() and not (kit / "no").exists()


def test_config_errors_are_one_line(kit):
    shutil.rmtree(kit / "solution/hw1/tools")
    done = run_verb(kit, "hw1")
    assert done.returncode == 1
    assert done.stderr == ("autograder handout: error: solution/hw1/handout.toml: map source "
                           "'solution/hw1/tools' does not exist\n")
    (kit / "solution/hw1/handout.toml").write_text("map = \n")
    done = run_verb(kit, "hw1")
    assert done.returncode == 1
    assert "solution/hw1/handout.toml: not valid TOML" in done.stderr
    assert done.stderr.count("\n") == 1
    assert not (kit / "build").exists()


@pytest.mark.parametrize("path, content, reason", [
    # leak: a solution line shipped by a file the stripper does not touch
    ("solution/hw1/mlp/NOTES.md", "Hint: doubled_value = x + x\n",
     "mlp/NOTES.md: contains solution line"),
    # leak: the grading spec is not provided code: a solution line in a case family leaks
    ("solution/hw1/grading/scenarios/extra.py", "def run(x):\n    doubled_value = x + x\n",
     "grading/scenarios/extra.py: contains solution line"),
    # leak: a copy of the hidden specs among the case families
    ("solution/hw1/grading/scenarios/extra.toml", HIDDEN_TOML,
     "identical to instructor-only solution/hw1/grading/cases/hidden.toml"),
    # leak: a hidden case named in a shipped file
    ("solution/hw1/grading/scenarios/notes.txt", "see hidden_secret_case\n",
     "names hidden case 'hidden_secret_case'"),
    # leak: a forgotten marker in a file that is copied verbatim
    ("solution/hw1/tools/README.txt", "# BEGIN SOLUTION\n", "tools/README.txt: solution marker left"),
    # stubs: a stub whose NotImplementedError is swallowed
    ("solution/hw1/mlp/extra.py", "def safe(x):\n    try:\n        # BEGIN SOLUTION\n"
     "        return x + 1\n        # END SOLUTION\n    except Exception:\n        return 0\n",
     "mlp.extra.safe: stub does not raise NotImplementedError (returned normally)"),
    # imports: the stripped package no longer imports
    ("solution/hw1/mlp/extra.py", "# BEGIN SOLUTION\nWIDTH = 4\n# END SOLUTION\nHALF = WIDTH // 2\n",
     "import mlp fails"),
])
def test_the_build_refuses_a_handout_that_fails_a_proof(kit, path, content, reason):
    assert run_verb(kit, "hw1").returncode == 0
    before = tree(kit / "build/hw1")
    write(kit / path, content)
    if path == "solution/hw1/mlp/extra.py":
        init = kit / "solution/hw1/mlp/__init__.py"
        init.write_text(init.read_text() + "from . import extra\n")
    done = run_verb(kit, "hw1")
    assert done.returncode == 1
    assert "refusing to write the handout" in done.stderr and reason in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1
    assert tree(kit / "build/hw1") == before
    assert no_leftovers(kit / "build/hw1")


def test_a_hidden_reference_copied_among_the_visible_ones_is_refused(kit):
    hidden = kit / "data/hw1/hidden/hidden_secret_case.npz"
    shutil.copy(hidden, kit / "data/hw1/visible/copy.npz")
    problems = find_leaks(kit_handout(kit).config, kit_handout(kit).archive_files())
    assert "data/visible/copy.npz: identical to instructor-only " \
           "data/hw1/hidden/hidden_secret_case.npz" in problems


def test_the_stand_in_calls_reach_methods_properties_and_static_methods(kit, tmp_path):
    assert run_verb(kit, "hw1").returncode == 0
    stubbed = [("mlp.core", "square"), ("mlp.core", "Doubler.forward"),
               ("mlp.core", "Doubler.label"), ("mlp.core", "Doubler.difference")]
    handout = kit_handout(kit)
    assert set(stubbed) <= set(handout.stubbed)
    assert verify_in_fresh_interpreter(kit / "build/hw1/handout", ["mlp"], stubbed) == []
    # The same calls against the solution return normally, so the check can fail.
    problems = verify_in_fresh_interpreter(kit / "solution/hw1", ["mlp"], stubbed)
    assert sorted(p.split(":")[0] for p in problems if "does not raise" in p) == sorted(
        f"{module}.{name}" for module, name in stubbed)


def test_the_build_never_replaces_a_folder_that_is_not_a_handout(kit, tmp_path):
    precious = tmp_path / "precious"
    write(precious / "thesis.tex", "years of work\n")
    done = run_verb(kit, "hw1", "--out", str(precious))
    assert done.returncode == 1 and "does not look like a handout" in done.stderr
    assert (precious / "thesis.tex").read_text() == "years of work\n"
    done = run_verb(kit, "hw1", "--out", str(kit / "solution"))
    assert done.returncode == 1 and "would overwrite the kit or a source" in done.stderr
    assert (kit / "solution/hw1/mlp/core.py").read_text() == CORE
    # Another assignment's handout shares files with this one (README.md, grading/...) but is
    # not to be replaced.
    other = tmp_path / "other"
    write(other / "README.md", "# Another course\n")
    write(other / "grading/assignment.toml", 'name = "cw9"\n')
    done = run_verb(kit, "hw1", "--out", str(other))
    assert done.returncode == 1 and "holds the handout of cw9" in done.stderr
    assert sorted(tree(other)) == ["README.md", "grading/assignment.toml"]
    # A folder that holds this assignment's handout may be rebuilt.
    assert run_verb(kit, "hw1", "--out", str(tmp_path / "elsewhere")).returncode == 0
    assert run_verb(kit, "hw1", "--out", str(tmp_path / "elsewhere")).returncode == 0
    assert no_leftovers(tmp_path)


# ----------------------------------------------------------------------------- every real assignment

ASSIGNMENTS = sorted(discover(ROOT, environ={}))


def test_every_assignment_of_the_kit_has_a_handout_config():
    assert {"hw1", "cw3"} <= set(ASSIGNMENTS)
    assert all((ROOT / "solution" / name / "handout.toml").is_file() for name in ASSIGNMENTS)


class RealBuild:
    """One assignment's handout and student archive, built from the repository by the verb."""

    def __init__(self, name: str, folder: Path):
        self.name = name
        self.assignment = discover(ROOT, environ={})[name]
        self.package = self.assignment.shape.package
        self.handout = folder / name
        self.zip = folder / f"{name}.zip"
        self.done = run_real(name, self.handout, self.zip, "--check")
        assert self.done.returncode == 0, self.done.stderr

    def hidden_files(self) -> list[Path]:
        """Instructor-only files of this assignment: hidden references, case specs, mutants."""
        spec = self.assignment.spec_dir
        return [p for p in [*(self.assignment.data_dir / "hidden").rglob("*"),
                            *(spec / "cases").rglob("*"), spec / "mutants.py"] if p.is_file()]


def run_real(name: str, out: Path, zip_path: Path, *more: str) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "autograder", "handout", name, "--out", str(out),
                           "--zip-to", str(zip_path), *more],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def real(request, tmp_path_factory) -> RealBuild:
    return RealBuild(request.param, tmp_path_factory.mktemp(f"real-{request.param}"))


def test_check_proves_deterministic_leak_free_stubs_zero_solution_full(real):
    summary = real.done.stdout.splitlines()[-1]
    assert summary.startswith(f"checked {real.name} in ")
    for fact in ("two builds are byte-identical", "no leak in the", "the stubs score 0/",
                 "the solution scores "):
        assert fact in summary, summary


def importable(real: RealBuild) -> tuple[str, Path]:
    """The top-level name the handout's code imports as, and its file: the package, or for a
    flat code folder (shape.flat) its main module, imported with the folder on sys.path."""
    shape = real.assignment.shape
    if shape.flat:
        return shape.module, real.handout / real.package / f"{shape.module}.py"
    if not is_package(real.assignment):   # a module beside notebooks (byomlp's mlp.py)
        return shape.module, real.handout / f"{shape.module}.py"
    return real.package, real.handout / real.package / "__init__.py"


def test_every_handout_py_parses_and_the_packages_import_from_the_handout(real):
    py_files = sorted(real.handout.rglob("*.py"))
    top, first_file = importable(real)
    assert first_file in py_files
    for path in py_files:
        compile(path.read_bytes(), str(path), "exec")
    config = assemble(real.assignment).config
    assert top in config.import_packages
    folders = "".join(f"sys.path.insert(0, sys.argv[1] + '/{p}'); " for p in config.import_paths)
    for package in config.import_packages:
        probe = (f"import sys; sys.path.insert(0, sys.argv[1]); {folders}import {package}; "
                 f"print({package}.__file__)")
        done = subprocess.run([PYTHON, "-I", "-B", "-c", probe, str(real.handout)],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        if real.assignment.shape.flat:
            assert Path(done.stdout.strip()).parent == real.handout / real.package
        elif not is_package(real.assignment):
            assert Path(done.stdout.strip()) == real.handout / f"{package}.py"
        else:
            assert Path(done.stdout.strip()) == real.handout / package / "__init__.py"


def test_every_stripped_function_raises_not_implemented(real):
    if real.assignment.shape.notebook_only:
        pytest.skip("a notebook-only handout stubs notebook cells, which cannot be imported: "
                    "its starter scoring 0 is proved by the grading of the stubs")
    handout = assemble(real.assignment)
    top, _ = importable(real)
    assert {module.split(".")[0] for module, _ in handout.stubbed} >= {top}
    assert verify_in_fresh_interpreter(real.handout, [top], handout.stubbed,
                                       handout.config.import_paths) == []


def graded_sources(assignment) -> dict[str, Path]:
    """The solution's graded .py files by their path in the handout: the package's, or a
    module-shaped solution's module (references/solution.py)."""
    if is_package(assignment):
        folder = code_dir(assignment)
        return {f"{assignment.shape.package}/{p.relative_to(folder).as_posix()}": p
                for p in sorted(folder.rglob("*.py"))}
    names = graded_files(assignment)
    if assignment.shape.notebook_only:   # the notebooks are the only graded files
        return {name: code_dir(assignment) / name for name in names}
    return {name: code_dir(assignment) / name for name in names if name.endswith(".py")}


def source_lines(name: str, data: bytes) -> list[str]:
    """A graded file's source lines: a .py file's, or a notebook's code cells' (decoded from
    the JSON, where quotes are escaped)."""
    text = data.decode(errors="replace")
    if not name.endswith(".ipynb"):
        return text.splitlines()
    cells = json.loads(text)["cells"]
    return [line for cell in cells if cell["cell_type"] == "code"
            for line in "".join(cell["source"]).splitlines()]


def _independent_secrets(paths) -> set[str]:
    """Lines of two or more words inside solution blocks of the solution's graded files, found
    with a bare line scan, minus those the same files also show outside their blocks."""
    secrets, shown = set(), set()
    for path in paths:
        inside = False
        for line in source_lines(path.name, path.read_bytes()):
            if re.fullmatch(r"\s*# BEGIN SOLUTION(:.*)?", line):
                inside = True
            elif re.fullmatch(r"\s*# END SOLUTION", line):
                inside = False
            elif len(line.split()) > 1:
                (secrets if inside else shown).add(" ".join(line.split()))
    shown_text = "\n".join(shown)
    return {line for line in secrets if line not in shown_text}


def test_no_solution_line_and_no_hidden_file_in_the_archive(real):
    archive = zip_contents(real.zip)
    top = f"{real.name}/"
    assert all(name.startswith(top) for name in archive)
    files = {name[len(top):]: data for name, data in archive.items()}
    graded = graded_sources(real.assignment)
    secrets = _independent_secrets(graded.values())
    assert len(secrets) > (15 if real.assignment.shape.notebook_only else 20)
    for path, data in files.items():
        if path in graded:
            text = " ".join(" ".join(source_lines(path, data)).split())
            leaked = [s for s in secrets if s in text]
            assert not leaked, f"{path}: {leaked[:3]}"
    assert find_leaks(assemble(real.assignment).config, files) == []
    assert not any(path.startswith(("data/hidden/", "grading/cases/")) or path.endswith(
        "mutants.py") for path in files)
    hidden = real.hidden_files()
    assert any(p.parent.name == "hidden" for p in hidden)
    hidden_hashes = {hashlib.sha256(p.read_bytes()).hexdigest() for p in hidden}
    assert not hidden_hashes & {hashlib.sha256(d).hexdigest() for d in files.values()}


def test_the_archive_holds_the_handout_and_the_students_engine_and_nothing_hidden(real):
    archive = zip_contents(real.zip)
    names = list(archive)
    assert names == sorted(names)
    handout = {f"{real.name}/{path}": data for path, data in tree(real.handout).items()}
    engine = {f"{real.name}/{path}": data
              for path, data in student_engine(ROOT / "autograder").items()}
    assert archive == {**handout, **engine}
    assert f"{real.name}/grading/assignment.toml" in archive
    assert f"{real.name}/data/visible/manifest.json" in archive
    assert f"{real.name}/autograder/grade/cli.py" in archive
    instructor = tuple(f"{real.name}/autograder/{verb}/" for verb in INSTRUCTOR_VERBS)
    assert not [n for n in names if n.startswith(instructor)]


def unzip(zip_path: Path, into: Path, name: str) -> Path:
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(into)
    folder = into / name
    assert sorted(p.name for p in into.iterdir()) == [name]
    return folder


def run_inside(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """Run Python in the unzipped folder the way a student does: cwd there, and nothing in the
    environment that could lead it back to the repository."""
    return subprocess.run([PYTHON, *args], cwd=folder, env=student_environment(),
                          capture_output=True, text=True, timeout=600)


def test_students_copy_of_the_grader_runs_inside_the_unzipped_archive(real, tmp_path):
    """Inside the unzipped archive, `python -m autograder grade .` is the student's offline
    self-check: its own engine, the visible cases only, zero for the stubs with the reason."""
    folder = unzip(real.zip, tmp_path / "unzipped", real.name)
    probe = run_inside(folder, "-c", "import json, sys, autograder; print(autograder.__file__); "
                                     "print(json.dumps(sys.path))")
    assert probe.returncode == 0, probe.stderr
    engine_file, search_path = probe.stdout.splitlines()
    assert Path(engine_file).resolve() == (folder / "autograder/__init__.py").resolve()
    assert not {str(ROOT), str(ROOT / "solution" / real.name)} & set(json.loads(search_path))
    verbs = run_inside(folder, "-m", "autograder", "--help")
    assert verbs.returncode == 0 and "{grade}" in verbs.stdout, verbs.stdout + verbs.stderr

    done = run_inside(folder, "-m", "autograder", "grade", ".", "--json", str(tmp_path / "r.json"))
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "r.json").read_text())
    assert result["suite"] == "visible" and result["score"] == 0
    rubric = tomllib.loads(real.assignment.rubric_path.read_text())
    assert [item["id"] for item in result["items"]] == [item["id"] for item in rubric["item"]]
    for item in result["items"]:
        assert not any(case["hidden"] for case in item["cases"])
        if not item["manual"]:
            assert item["score"] == 0 and item["cases"], item["id"]
            for case in item["cases"]:
                assert not case["passed"]
                # A notebook that calls a stub reports the cell and its NotImplementedError.
                assert "not implemented" in case["message"] or \
                    "NotImplementedError" in case["message"], (case["name"], case["message"])

    done = run_inside(folder, "-m", "autograder", "grade", ".", "--suite", "all")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "hidden references" in done.stderr
    assert "Traceback" not in done.stderr
