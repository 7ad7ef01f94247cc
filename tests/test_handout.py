"""build_handout.py: the stripper on synthetic inputs, the build on a synthetic kit (two
assignments, laid out like the real ones), the proofs (parses/imports, stubs raise, no leak,
deterministic, --check) on every real assignment's handout, and the student archive
(`--zip NAME`): what it holds, and the offline self-check run inside it.

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

import build_handout as bh
from conftest import ROOT

PYTHON = sys.executable


def strip(source: str, **kwargs) -> str:
    return bh.strip_python(textwrap.dedent(source), "f.py", **kwargs).text


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
    assert bh.strip_python(source, "f.py").text == source


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
    with pytest.raises(bh.BuildError) as caught:
        bh.strip_python(source, "pkg/f.py")
    text = str(caught.value)
    assert text.startswith(f"pkg/f.py:{line}: "), text
    assert message in text and "\n" not in text


def test_the_stripper_records_every_function_it_stubbed_by_qualified_name():
    result = bh.strip_python(textwrap.dedent('''
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
    stripped = bh.strip_notebook(make_notebook(), "hw.ipynb")
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
    with pytest.raises(bh.BuildError, match=r"^hw\.ipynb\[cell 1\]:1: BEGIN SOLUTION without"):
        bh.strip_notebook(json.dumps(broken), "hw.ipynb")


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
    assert bh.matches_any(path, patterns) is expected


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

CW3_LAYERS = '''\
"""Layers of a tiny network."""


class Scale:
    """Multiplies its input by a constant."""

    def __init__(self, factor):
        self.factor = factor

    def forward(self, x):
        """Return factor * x."""
        # BEGIN SOLUTION
        scaled_output = self.factor * x
        return scaled_output
        # END SOLUTION
'''

HIDDEN_TOML = '[[case]]\nname = "hidden_secret_case"\nfamily = "core"\nitem = "square"\n'
HIDDEN_NPZ = b"PK\x05\x06hidden" + bytes(12)
INSTRUCTOR_VERBS = ("batch", "bundle", "references", "similarity")


def write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def assignment_toml(name: str, package: str) -> str:
    return f'name = "{name}"\n[submission]\npackage = "{package}"\nmodule = "{package}"\n'


@pytest.fixture
def kit(tmp_path) -> Path:
    """A miniature repository with two assignments laid out like the real ones, the real build
    script, the real solution/<name>/handout.toml of hw1 and cw3, and the real engine (the
    student archive carries a copy of it)."""
    root = tmp_path / "kit"
    write(root / "build_handout.py", (ROOT / "build_handout.py").read_text())
    shutil.copytree(ROOT / "autograder", root / "autograder",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    write(root / "requirements.txt", "numpy>=1.24\n")
    # hw1
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
    write(hw1 / "grading/assignment.toml", assignment_toml("hw1", "mlp"))
    write(hw1 / "grading/scenarios/common.py", "def tolerance():\n    return 1e-6\n")
    write(hw1 / "grading/cases/visible.toml",
          '[[case]]\nname = "visible_case"\nfamily = "core"\nitem = "square"\n')
    write(hw1 / "grading/cases/hidden.toml", HIDDEN_TOML)
    write(hw1 / "grading/mutants.py", 'MUTANTS = {"square": "return np.multiply(x, x) + 1"}\n')
    write(root / "data/hw1/visible/manifest.json", '{"suite": "visible"}\n')
    write(root / "data/hw1/visible/visible_case.npz", b"PK\x05\x06" + bytes(18))
    write(root / "data/hw1/hidden/manifest.json", '{"suite": "hidden"}\n')
    write(root / "data/hw1/hidden/hidden_secret_case.npz", HIDDEN_NPZ)
    # cw3
    cw3 = root / "solution/cw3"
    write(cw3 / "handout.toml", (ROOT / "solution/cw3/handout.toml").read_text())
    write(cw3 / "handout-README.md", "# Coursework 3\nImplement cw3_mlp/.\n")
    write(cw3 / "cw3_mlp/__init__.py", "from .layers import Scale\n")
    write(cw3 / "cw3_mlp/layers.py", CW3_LAYERS)
    write(cw3 / "tests/__init__.py", "")
    write(cw3 / "tests/test_cw3.py", "from cw3_mlp import Scale\n\n\ndef test_scale():\n"
                                     "    assert Scale(2).factor == 2\n")
    write(cw3 / "grading/assignment.toml", assignment_toml("cw3", "cw3_mlp"))
    write(cw3 / "grading/cases/hidden.toml",
          '[[case]]\nname = "cw3_hidden_case"\nfamily = "layers"\nitem = "scale"\n')
    write(cw3 / "grading/mutants.py", 'MUTANTS = {"scale": "scaled_output = x"}\n')
    write(root / "data/cw3/visible/manifest.json", '{"suite": "visible", "cw3": true}\n')
    write(root / "data/cw3/hidden/cw3_hidden_case.npz", b"PK\x05\x06cw3" + bytes(15))
    return root


def run_build(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, str(root / "build_handout.py"), *args], cwd=root,
                          capture_output=True, text=True, timeout=120)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


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


def no_leftovers(kit: Path) -> bool:
    """No staging or retired folder of an interrupted or refused build anywhere it could be."""
    places = [kit, kit / "handout"]
    return not any(p.name.startswith(".") for place in places if place.is_dir()
                   for p in place.iterdir())


HW1_HANDOUT = [
    "README.md", "data/visible/manifest.json", "data/visible/visible_case.npz",
    "grading/assignment.toml", "grading/scenarios/common.py", "mlp/__init__.py", "mlp/core.py",
    "notebooks/hw.ipynb", "requirements.txt", "tools/__init__.py", "tools/util.py", "train.py"]
CW3_HANDOUT = [
    "README.md", "cw3_mlp/__init__.py", "cw3_mlp/layers.py", "data/visible/manifest.json",
    "grading/assignment.toml", "requirements.txt", "tests/__init__.py", "tests/test_cw3.py"]


def test_build_lays_out_every_handout_and_leaves_instructor_files_behind(kit):
    done = run_build(kit)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (kit / "handout").iterdir()) == ["cw3", "hw1"]
    assert f"wrote {kit / 'handout/cw3'}" in done.stdout
    assert f"wrote {kit / 'handout/hw1'}" in done.stdout
    files = tree(kit / "handout/hw1")
    # No engine, no case specs, no mutants, no hidden references, no solution tests, no debris.
    assert sorted(files) == HW1_HANDOUT
    assert files["README.md"] == (kit / "solution/hw1/handout-README.md").read_bytes()
    assert files["tools/util.py"] == (kit / "solution/hw1/tools/util.py").read_bytes()
    assert files["train.py"] == (kit / "solution/hw1/train.py").read_bytes()
    assert files["data/visible/visible_case.npz"] == (
        kit / "data/hw1/visible/visible_case.npz").read_bytes()
    core = files["mlp/core.py"].decode()
    assert "RATE = ...\n" in core and "# TODO: choose the table size\nTABLE_SIZE = ...\n" in core
    assert core.count("raise NotImplementedError") == 5
    assert '"""Return x squared, same shape as x."""' in core
    for secret in ("np.multiply", "doubled_value", "self.factor * 2", "0.25", "16", "a - b"):
        assert secret not in core
    cw3_files = tree(kit / "handout/cw3")
    assert sorted(cw3_files) == CW3_HANDOUT
    assert "scaled_output" not in cw3_files["cw3_mlp/layers.py"].decode()
    assert cw3_files["tests/test_cw3.py"] == (kit / "solution/cw3/tests/test_cw3.py").read_bytes()
    assert no_leftovers(kit)
    modes = {oct(p.stat().st_mode & 0o777) for p in (kit / "handout").rglob("*")}
    assert modes == {"0o644", "0o755"}


def test_assignment_builds_that_one_only(kit):
    done = run_build(kit, "--assignment", "cw3")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (kit / "handout").iterdir()) == ["cw3"]
    assert sorted(tree(kit / "handout/cw3")) == CW3_HANDOUT


def test_build_and_zip_are_byte_identical_when_repeated(kit, tmp_path):
    done = run_build(kit, "--zip", "hw1", "--zip-to", str(tmp_path / "one.zip"))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (kit / "handout").iterdir()) == ["hw1"]  # --zip: that one only
    first = tree(kit / "handout/hw1")
    (kit / "solution/hw1/mlp/core.py").touch()
    done = run_build(kit, "--assignment", "hw1", "--out", str(tmp_path / "second"),
                     "--zip", "hw1", "--zip-to", str(tmp_path / "two.zip"))
    assert done.returncode == 0, done.stderr
    assert tree(tmp_path / "second") == first
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    # Without --zip-to the archive goes to build/<name>-handout.zip.
    assert run_build(kit, "--zip", "hw1").returncode == 0
    assert (kit / "build/hw1-handout.zip").read_bytes() == (tmp_path / "one.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "one.zip") as archive:
        infos = archive.infolist()
        contents = {i.filename: archive.read(i) for i in infos}
    names = [i.filename for i in infos]
    assert names == sorted(names) and all(n.startswith("hw1/") for n in names)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {(i.external_attr >> 16) & 0o777 for i in infos} == {0o644}
    # The handout and the student copy of the kit's engine, nothing else.
    engine = student_engine(kit / "autograder")
    assert "autograder/grade/cli.py" in engine and "autograder/__main__.py" in engine
    expected = {f"hw1/{name}": data for name, data in {**first, **engine}.items()}
    assert contents == expected
    assert not any(n.startswith(tuple(f"hw1/autograder/{verb}/" for verb in INSTRUCTOR_VERBS))
                   for n in names)
    assert HIDDEN_NPZ not in contents.values()
    assert not any("hidden" in n or "/cases/" in n or "mutants" in n for n in names)


def test_the_archive_is_scanned_engine_included(kit, tmp_path):
    """The engine goes to students only in the archive, so only --zip scans it; an instructor
    verb left out of the student copy may hold anything."""
    assert run_build(kit).returncode == 0
    before = tree(kit / "handout/hw1")
    write(kit / "autograder/batch/planted_note.py", "# doubled_value = x + x\n")
    done = run_build(kit, "--zip", "hw1", "--zip-to", str(tmp_path / "ok.zip"))
    assert done.returncode == 0, done.stderr
    write(kit / "autograder/grade/planted_note.py", "# see hidden_secret_case\n")
    done = run_build(kit, "--zip", "hw1", "--zip-to", str(tmp_path / "leaky.zip"))
    assert done.returncode == 1
    assert "refusing to write the handout" in done.stderr
    assert "autograder/grade/planted_note.py: names hidden case 'hidden_secret_case'" in done.stderr
    assert done.stderr.count("\n") == 1
    assert not (tmp_path / "leaky.zip").exists()
    assert tree(kit / "handout/hw1") == before
    assert run_build(kit, "--assignment", "hw1").returncode == 0   # the handout has no engine


def test_check_names_every_stale_file(kit):
    assert run_build(kit).returncode == 0
    done = run_build(kit, "--check")
    assert done.returncode == 0, done.stderr
    assert f"{kit / 'handout/hw1'} is current" in done.stdout
    assert f"{kit / 'handout/cw3'} is current" in done.stdout
    handout = kit / "handout/hw1"
    (handout / "mlp/core.py").write_text("# edited by hand\n")
    (handout / "train.py").unlink()
    (handout / "extra.py").write_text("x = 1\n")
    (handout / "mlp/__pycache__").mkdir()
    (handout / "mlp/__pycache__/core.cpython-311.pyc").write_bytes(b"debris is ignored")
    done = run_build(kit, "--check")
    assert done.returncode == 1
    assert f"{handout} is stale" in done.stderr
    assert "mlp/core.py (out of date)" in done.stderr
    assert "train.py (missing)" in done.stderr
    assert "extra.py (not in a fresh build)" in done.stderr
    assert "__pycache__" not in done.stderr
    assert "cw3" not in done.stderr and f"{kit / 'handout/cw3'} is current" in done.stdout
    assert (handout / "extra.py").exists()  # --check writes nothing
    assert run_build(kit, "--check", "--assignment", "cw3").returncode == 0
    shutil.rmtree(kit / "handout/cw3")
    done = run_build(kit, "--check", "--assignment", "cw3")
    assert done.returncode == 1 and "cw3_mlp/layers.py (missing)" in done.stderr
    assert not (kit / "handout/cw3").exists()


def test_a_marker_error_is_one_line_and_leaves_the_old_handout_untouched(kit):
    assert run_build(kit).returncode == 0
    before = tree(kit / "handout")
    core = kit / "solution/hw1/mlp/core.py"
    core.write_text(core.read_text().replace("    # END SOLUTION\n\n\nclass",
                                             "    # BEGIN SOLUTION\n\n\nclass", 1))
    done = run_build(kit)
    assert done.returncode == 1
    assert re.fullmatch(r"solution/hw1/mlp/core\.py:\d+: nested BEGIN SOLUTION .*\n",
                        done.stderr)
    assert "Traceback" not in done.stderr
    assert tree(kit / "handout") == before
    assert no_leftovers(kit)


@pytest.mark.parametrize("args", [
    ["--bogus"],
    ["--assignment", "nosuch"],
    ["--zip", "nosuch"],
    ["--zip", "/no/such/folder/h.zip"],                # --zip names an assignment, not a path
    ["--zip", "hw1", "--zip-to", "/no/such/folder/h.zip"],
    ["--zip-to", "h.zip"],                             # --zip-to needs --zip NAME
    ["--check", "--zip", "hw1"],
    ["--zip", "hw1", "--assignment", "cw3"],
    ["--out", "elsewhere"],                            # --out needs one assignment
    ["--check", "--out", "elsewhere"],
])
def test_usage_errors_exit_2_without_a_traceback_and_write_nothing(kit, args):
    done = run_build(kit, *args)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "error:" in done.stderr
    assert not (kit / "handout").exists() and not (kit / "build").exists()
    assert not (kit / "elsewhere").exists() and not (kit / "h.zip").exists()


def test_config_errors_are_one_line(kit):
    shutil.rmtree(kit / "solution/hw1/tools")
    done = run_build(kit)
    assert done.returncode == 1
    assert done.stderr == "solution/hw1/handout.toml: map source 'solution/hw1/tools' does not exist\n"
    (kit / "solution/cw3/handout.toml").write_text("out = \n")
    done = run_build(kit, "--assignment", "cw3")
    assert done.returncode == 1
    assert done.stderr.startswith("solution/cw3/handout.toml: not valid TOML")
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize("path, content, reason", [
    # proof 3: a solution line shipped by a file the stripper does not touch
    ("solution/hw1/mlp/NOTES.md", "Hint: doubled_value = x + x\n",
     "mlp/NOTES.md: contains solution line"),
    # proof 3: the grading spec is not provided code: a solution line in a case family leaks
    ("solution/hw1/grading/scenarios/core.py", "def run(x):\n    doubled_value = x + x\n",
     "grading/scenarios/core.py: contains solution line"),
    # proof 3: a copy of the hidden specs under another name
    ("solution/hw1/grading/extra.toml", HIDDEN_TOML,
     "identical to instructor-only solution/hw1/grading/cases/hidden.toml"),
    # proof 3: a hidden reference copied among the visible ones
    ("data/hw1/visible/copy.npz", HIDDEN_NPZ,
     "identical to instructor-only data/hw1/hidden/hidden_secret_case.npz"),
    # proof 3: a hidden case named in a shipped file
    ("solution/hw1/grading/notes.txt", "see hidden_secret_case\n",
     "names hidden case 'hidden_secret_case'"),
    # proof 3: a forgotten marker in a file that is copied verbatim
    ("solution/hw1/tools/README.txt", "# BEGIN SOLUTION\n", "tools/README.txt: solution marker left"),
    # proof 2: a stub whose NotImplementedError is swallowed
    ("solution/hw1/mlp/extra.py", "def safe(x):\n    try:\n        # BEGIN SOLUTION\n"
     "        return x + 1\n        # END SOLUTION\n    except Exception:\n        return 0\n",
     "mlp.extra.safe: stub does not raise NotImplementedError (returned normally)"),
    # proof 1: the stripped package no longer imports
    ("solution/hw1/mlp/extra.py", "# BEGIN SOLUTION\nWIDTH = 4\n# END SOLUTION\nHALF = WIDTH // 2\n",
     "import mlp fails"),
])
def test_the_build_refuses_a_handout_that_fails_a_proof(kit, path, content, reason):
    assert run_build(kit).returncode == 0
    before = tree(kit / "handout")
    write(kit / path, content)
    if path == "solution/hw1/mlp/extra.py":
        init = kit / "solution/hw1/mlp/__init__.py"
        init.write_text(init.read_text() + "from . import extra\n")
    done = run_build(kit, "--assignment", "hw1")
    assert done.returncode == 1
    assert "refusing to write the handout" in done.stderr and reason in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1
    assert tree(kit / "handout") == before
    assert no_leftovers(kit)


def test_the_stand_in_calls_reach_methods_properties_and_static_methods(kit, tmp_path):
    assert run_build(kit).returncode == 0
    stubbed = [("mlp.core", "square"), ("mlp.core", "Doubler.forward"),
               ("mlp.core", "Doubler.label"), ("mlp.core", "Doubler.difference")]
    config = bh.load_config(kit, "hw1")
    assert config.name == "hw1" and config.where == "solution/hw1/handout.toml"
    assert bh.verify_runtime(kit / "handout/hw1", config, stubbed) == []
    # The same calls against the solution return normally, so the check can fail.
    solution_view = tmp_path / "solved"
    shutil.copytree(kit / "solution/hw1", solution_view)
    problems = bh.verify_runtime(solution_view, config, stubbed)
    assert sorted(p.split(":")[0] for p in problems if "does not raise" in p) == sorted(
        f"{module}.{name}" for module, name in stubbed)


def test_the_build_never_replaces_a_folder_that_is_not_a_handout(kit, tmp_path):
    precious = tmp_path / "precious"
    write(precious / "thesis.tex", "years of work\n")
    done = run_build(kit, "--assignment", "hw1", "--out", str(precious))
    assert done.returncode == 1 and "does not look like a handout" in done.stderr
    assert (precious / "thesis.tex").read_text() == "years of work\n"
    done = run_build(kit, "--assignment", "hw1", "--out", str(kit / "solution"))
    assert done.returncode == 1 and "would overwrite the repository" in done.stderr
    assert (kit / "solution/hw1/mlp/core.py").read_text() == CORE
    # One handout per folder: another assignment's handout shares files with this one
    # (README.md, requirements.txt, ...) but is not to be replaced, nor is the folder of them all.
    assert run_build(kit).returncode == 0
    before = tree(kit / "handout")
    done = run_build(kit, "--assignment", "cw3", "--out", str(kit / "handout/hw1"))
    assert done.returncode == 1 and "would overwrite the handout of hw1" in done.stderr
    done = run_build(kit, "--assignment", "hw1", "--out", str(kit / "handout"))
    assert done.returncode == 1 and "would overwrite the handout of cw3" in done.stderr
    assert tree(kit / "handout") == before
    assert no_leftovers(kit)
    # A folder that once held this assignment's handout may be rebuilt.
    done = run_build(kit, "--assignment", "hw1", "--out", str(tmp_path / "elsewhere"))
    assert done.returncode == 0, done.stderr
    assert run_build(kit, "--assignment", "hw1", "--out", str(tmp_path / "elsewhere")).returncode == 0


# ----------------------------------------------------------------------------- the real handouts

ASSIGNMENTS = bh.assignment_names(ROOT)

STUDENT_FUNCTIONS = {
    "hw1": {
        ("mlp.activations", f"{cls}.{method}")
        for cls in ("Sigmoid", "Tanh", "ReLU", "LeakyReLU") for method in ("forward", "derivative")
    } | {("mlp.loss", "SoftmaxCrossEntropy.forward"),
         ("mlp.loss", "SoftmaxCrossEntropy.derivative"),
         ("mlp.batchnorm", "BatchNorm.forward"), ("mlp.batchnorm", "BatchNorm.backward"),
         ("mlp.initializers", "random_normal_weight_init"),
         ("mlp.initializers", "zeros_bias_init"),
         ("mlp.mlp", "MLP.forward"), ("mlp.mlp", "MLP.backward"), ("mlp.mlp", "MLP.zero_grads"),
         ("mlp.mlp", "MLP.step"), ("mlp.training", "get_training_stats")},
    "cw3": {
        ("cw3_mlp.layers", f"{cls}.{method}")
        for cls in ("Linear", "ReLU", "Sigmoid") for method in ("forward", "backward")
    } | {("cw3_mlp.losses", "CrossEntropyLoss.forward"),
         ("cw3_mlp.losses", "CrossEntropyLoss.backward"),
         ("cw3_mlp.model", "MLP.__init__"), ("cw3_mlp.model", "MLP.forward"),
         ("cw3_mlp.model", "MLP.backward"),
         ("cw3_mlp.optimizer", "SGD.step"), ("cw3_mlp.optimizer", "SGD.zero_grad")},
}
STUDENT_API = {
    "hw1": ("Sigmoid", "SoftmaxCrossEntropy", "BatchNorm", "MLP", "get_training_stats"),
    "cw3": ("Linear", "ReLU", "Sigmoid", "CrossEntropyLoss", "MLP", "SGD"),
}


def test_every_assignment_has_a_handout():
    from autograder.assignments import discover
    assert {"hw1", "cw3"} <= set(ASSIGNMENTS)
    assert set(discover(ROOT, environ={})) == set(ASSIGNMENTS)
    assert set(STUDENT_FUNCTIONS) == set(STUDENT_API) == set(ASSIGNMENTS)


class RealBuild:
    """One assignment's handout and student archive, freshly built from the repository."""

    def __init__(self, name: str, folder: Path):
        from autograder.assignments import discover
        self.name = name
        self.config = bh.load_config(ROOT, name)
        self.package = discover(ROOT, environ={})[name].shape.package
        self.handout = folder / name
        self.zip = folder / f"{name}.zip"
        done = build_real(name, self.handout, self.zip)
        assert done.returncode == 0, done.stderr

    def hidden_files(self) -> list[Path]:
        """Instructor-only files of this assignment: hidden references, case specs, mutants."""
        spec = ROOT / "solution" / self.name / "grading"
        return [p for p in [*(ROOT / "data" / self.name / "hidden").rglob("*"),
                            *(spec / "cases").rglob("*"), spec / "mutants.py"] if p.is_file()]


def build_real(name: str, out: Path, zip_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "build_handout.py", "--assignment", name, "--out", str(out),
                           "--zip", name, "--zip-to", str(zip_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def real(request, tmp_path_factory) -> RealBuild:
    return RealBuild(request.param, tmp_path_factory.mktemp(f"real-{request.param}"))


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_committed_handout_is_current(name):
    done = subprocess.run([PYTHON, "build_handout.py", "--check", "--assignment", name],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert not (ROOT / "handout" / name / "autograder").exists()   # the engine ships in the zip


def test_proof1_every_handout_py_parses_and_the_packages_import_from_the_handout(real):
    py_files = sorted(real.handout.rglob("*.py"))
    assert real.handout / real.package / "__init__.py" in py_files
    for path in py_files:
        compile(path.read_bytes(), str(path), "exec")
    assert real.package in real.config.import_packages
    for package in real.config.import_packages:
        probe = (f"import sys; sys.path.insert(0, sys.argv[1]); import {package}; "
                 f"print({package}.__file__); print(sorted(getattr({package}, '__all__', [])))")
        done = subprocess.run([PYTHON, "-I", "-B", "-c", probe, str(real.handout)],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        imported_from, names = done.stdout.splitlines()
        assert Path(imported_from) == real.handout / package / "__init__.py"
        if package == real.package:
            for name in STUDENT_API[real.name]:
                assert repr(name) in names


def test_proof2_every_stripped_function_raises_not_implemented(real):
    recorded = set(bh.render(ROOT, real.config).stubbed)
    expected = STUDENT_FUNCTIONS[real.name]
    assert expected <= recorded, expected - recorded
    assert bh.verify_runtime(real.handout, real.config, sorted(recorded)) == []


def _independent_secrets(package_dir: Path) -> set[str]:
    """Lines of two or more words inside solution blocks of a solution package, found with a
    bare line scan, minus those the same package also shows outside its blocks."""
    secrets, shown = set(), set()
    for path in sorted(package_dir.rglob("*.py")):
        inside = False
        for line in path.read_text().splitlines():
            if re.fullmatch(r"\s*# BEGIN SOLUTION(:.*)?", line):
                inside = True
            elif re.fullmatch(r"\s*# END SOLUTION", line):
                inside = False
            elif len(line.split()) > 1:
                (secrets if inside else shown).add(" ".join(line.split()))
    shown_text = "\n".join(shown)
    return {line for line in secrets if line not in shown_text}


def zip_contents(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_proof3_no_solution_line_and_no_hidden_file_in_the_handout_or_the_archive(real):
    archive = zip_contents(real.zip)
    top = f"{real.name}/"
    assert all(name.startswith(top) for name in archive)
    files = {name[len(top):]: data for name, data in archive.items()}
    secrets = _independent_secrets(ROOT / "solution" / real.name / real.package)
    assert len(secrets) > 20
    for path, data in files.items():
        if path.endswith(".py") and path.split("/")[0] == real.package:
            text = " ".join(data.decode(errors="replace").split())
            leaked = [s for s in secrets if s in text]
            assert not leaked, f"{path}: {leaked[:3]}"
    assert bh.find_leaks(ROOT, real.config, files) == []
    assert not any(path.startswith(("data/hidden/", "grading/cases/")) or path.endswith(
        "mutants.py") for path in files)
    hidden = real.hidden_files()
    assert any(p.parent.name == "hidden" for p in hidden)
    hidden_hashes = {hashlib.sha256(p.read_bytes()).hexdigest() for p in hidden}
    assert not hidden_hashes & {hashlib.sha256(d).hexdigest() for d in files.values()}


def test_proof4_real_build_and_zip_are_deterministic(real, tmp_path):
    # Two builds back to back (not against the module's build: the kit may be edited meanwhile).
    for label in ("a", "b"):
        done = build_real(real.name, tmp_path / label, tmp_path / f"{label}.zip")
        assert done.returncode == 0, done.stderr
    assert tree(tmp_path / "a") == tree(tmp_path / "b") == bh.render(ROOT, real.config).files
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_proof5_check_names_stale_files_in_a_copy_of_the_handout(real, tmp_path):
    copy = tmp_path / "handout"
    shutil.copytree(real.handout, copy)
    edited = sorted(p for p in (copy / real.package).rglob("*.py") if p.name != "__init__.py")[0]
    edited.write_text("# an old version\n")
    (copy / "README.md").unlink()
    done = subprocess.run([PYTHON, "build_handout.py", "--check", "--assignment", real.name,
                           "--out", str(copy)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert f"{edited.relative_to(copy).as_posix()} (out of date)" in done.stderr
    assert "README.md (missing)" in done.stderr


# ----------------------------------------------------------------------------- the student archive

def test_the_archive_holds_the_handout_and_the_students_engine_and_nothing_hidden(real, tmp_path):
    # A fresh archive, compared with the engine right after: the module's build may be older
    # than the engine on disk.
    done = build_real(real.name, tmp_path / real.name, tmp_path / "fresh.zip")
    assert done.returncode == 0, done.stderr
    archive = zip_contents(tmp_path / "fresh.zip")
    names = list(archive)
    assert names == sorted(names)
    handout = {f"{real.name}/{path}": data for path, data in tree(tmp_path / real.name).items()}
    engine = {f"{real.name}/{path}": data
              for path, data in student_engine(ROOT / "autograder").items()}
    assert archive == {**handout, **engine}
    assert f"{real.name}/grading/assignment.toml" in archive
    assert f"{real.name}/data/visible/manifest.json" in archive
    assert f"{real.name}/autograder/grade/cli.py" in archive
    instructor = tuple(f"{real.name}/autograder/{verb}/" for verb in INSTRUCTOR_VERBS)
    assert not [n for n in names if n.startswith(instructor)]
    assert not [n for n in names if n.startswith((f"{real.name}/data/hidden",
                                                  f"{real.name}/grading/cases"))
                or n.endswith("/mutants.py")]
    hidden_hashes = {hashlib.sha256(p.read_bytes()).hexdigest() for p in real.hidden_files()}
    assert not hidden_hashes & {hashlib.sha256(d).hexdigest() for d in archive.values()}


def unzip(zip_path: Path, into: Path, name: str) -> Path:
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(into)
    folder = into / name
    assert sorted(p.name for p in into.iterdir()) == [name]
    return folder


def run_inside(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """Run Python in the unzipped folder the way a student does: cwd there, and nothing in the
    environment that could lead it back to the repository."""
    from autograder.assignments import ROOTS_VARIABLE
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("PYTHON") and key != ROOTS_VARIABLE}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run([PYTHON, *args], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=600)


def rubric_ids(rubric_path: Path) -> list[str]:
    return [item["id"] for item in tomllib.loads(rubric_path.read_text())["item"]]


def self_check(folder: Path, out: Path) -> dict:
    done = run_inside(folder, "-m", "autograder", "grade", ".", "--json", str(out))
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    assert result["suite"] == "visible" and result["status"] == "graded"
    assert [item["id"] for item in result["items"]] == rubric_ids(
        ROOT / "solution" / folder.name / "grading/rubric.toml")
    assert not any(case["hidden"] for item in result["items"] for case in item["cases"])
    return result


def test_students_copy_of_the_grader_runs_inside_the_unzipped_archive(real, tmp_path):
    """Inside the unzipped archive, `python -m autograder grade .` is the student's offline
    self-check: its own engine, the visible cases only, zero for the stubs."""
    folder = unzip(real.zip, tmp_path / "unzipped", real.name)
    probe = run_inside(folder, "-c", "import json, sys, autograder; print(autograder.__file__); "
                                     "print(json.dumps(sys.path))")
    assert probe.returncode == 0, probe.stderr
    engine_file, search_path = probe.stdout.splitlines()
    assert Path(engine_file).resolve() == (folder / "autograder/__init__.py").resolve()
    assert not {str(ROOT), str(ROOT / "solution" / real.name)} & set(json.loads(search_path))
    verbs = run_inside(folder, "-m", "autograder", "--help")
    assert verbs.returncode == 0 and "{grade}" in verbs.stdout, verbs.stdout + verbs.stderr

    result = self_check(folder, tmp_path / "stubs.json")
    assert result["score"] == 0
    for item in result["items"]:
        if item["manual"]:
            continue
        assert item["score"] == 0 and item["cases"], item["id"]
        for case in item["cases"]:
            assert not case["passed"]
            assert "not implemented" in case["message"], (case["name"], case["message"])

    done = run_inside(folder, "-m", "autograder", "grade", ".", "--suite", "all")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "hidden references" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_finished_student_gets_full_marks_from_the_self_check(real, tmp_path):
    folder = unzip(real.zip, tmp_path / "unzipped", real.name)
    shutil.rmtree(folder / real.package)
    shutil.copytree(ROOT / "solution" / real.name / real.package, folder / real.package,
                    ignore=shutil.ignore_patterns("__pycache__", "outputs"))
    result = self_check(folder, tmp_path / "solution.json")
    automatic = {item["id"]: (item["score"], item["max_score"]) for item in result["items"]
                 if not item["manual"]}
    assert automatic and {key: score for key, (score, _) in automatic.items()} == {
        key: full for key, (_, full) in automatic.items()}
