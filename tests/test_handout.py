"""build_handout.py: the stripper on synthetic inputs, the build on a synthetic kit, and the
proofs (parses/imports, stubs raise, no leak, deterministic, --check) on the real handout.

Handout code is only ever imported in a subprocess: in this process `mlp` is the solution.
"""
import hashlib
import json
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import nbformat
import pytest

import build_handout as bh
from conftest import HANDOUT_DIR, ROOT

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
    ("autograder/data/hidden/x.npz", ["autograder/data/hidden"], True),
    ("autograder/data/hidden/x.npz", ["autograder/data/hidden/**"], True),
    ("autograder/data/visible/x.npz", ["autograder/data/hidden"], False),
    ("solution/mlp/sub/test_core.py", ["solution/**/test_*.py"], True),
    ("solution/mlp/test_core.py", ["solution/**/test_*.py"], True),
    ("autograder/grading/test_rubric.py", ["solution/**/test_*.py"], False),
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

HIDDEN_TOML = '[[case]]\nname = "hidden_secret_case"\nfamily = "core"\nitem = "square"\n'


def write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def kit(tmp_path) -> Path:
    """A miniature repository with the real build script and the real handout.toml."""
    root = tmp_path / "kit"
    write(root / "build_handout.py", (ROOT / "build_handout.py").read_text())
    write(root / "handout.toml", (ROOT / "handout.toml").read_text())
    write(root / "solution/mlp/__init__.py",
          "from .core import RATE, TABLE_SIZE, Doubler, square\n")
    write(root / "solution/mlp/core.py", CORE)
    write(root / "solution/tests/test_core.py", "def test_square():\n    assert True\n")
    write(root / "solution/tools/__init__.py", "")
    write(root / "solution/tools/util.py", "def identity(x):\n    return x\n")
    write(root / "solution/tools/__pycache__/util.cpython-311.pyc", b"\x00junk")
    write(root / "solution/train.py", 'if __name__ == "__main__":\n    print("training")\n')
    write(root / "solution/notebooks/hw.ipynb", make_notebook())
    write(root / "solution/notebooks/outputs/curve.png", b"\x89PNG")
    write(root / "autograder/__init__.py", '"""Grader."""\n')
    write(root / "autograder/__main__.py", "raise SystemExit('grading')\n")
    write(root / "autograder/cases/visible.toml",
          '[[case]]\nname = "visible_case"\nfamily = "core"\nitem = "square"\n')
    write(root / "autograder/cases/hidden.toml", HIDDEN_TOML)
    write(root / "autograder/data/visible/manifest.json", '{"suite": "visible"}\n')
    write(root / "autograder/data/visible/visible_case.npz", b"PK\x05\x06" + bytes(18))
    write(root / "autograder/data/hidden/manifest.json", '{"suite": "hidden"}\n')
    write(root / "autograder/data/hidden/hidden_secret_case.npz", b"PK\x05\x06hidden" + bytes(12))
    write(root / "autograder/bundle/__init__.py", '"""Gradescope bundle."""\n')
    write(root / "requirements.txt", "numpy>=1.24\n")
    write(root / "docs/handout-README.md", "# Homework\nImplement mlp/.\n")
    return root


def run_build(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, str(root / "build_handout.py"), *args], cwd=root,
                          capture_output=True, text=True, timeout=120)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_build_lays_out_the_handout_and_leaves_instructor_files_behind(kit):
    done = run_build(kit)
    assert done.returncode == 0, done.stderr
    files = tree(kit / "handout")
    assert sorted(files) == [
        "README.md", "autograder/__init__.py", "autograder/__main__.py",
        "autograder/cases/visible.toml", "autograder/data/visible/manifest.json",
        "autograder/data/visible/visible_case.npz", "mlp/__init__.py", "mlp/core.py",
        "notebooks/hw.ipynb", "requirements.txt", "tools/__init__.py", "tools/util.py",
        "train.py"]
    assert files["README.md"] == (kit / "docs/handout-README.md").read_bytes()
    assert files["tools/util.py"] == (kit / "solution/tools/util.py").read_bytes()
    assert files["train.py"] == (kit / "solution/train.py").read_bytes()
    core = files["mlp/core.py"].decode()
    assert "RATE = ...\n" in core and "# TODO: choose the table size\nTABLE_SIZE = ...\n" in core
    assert core.count("raise NotImplementedError") == 5
    assert '"""Return x squared, same shape as x."""' in core
    for secret in ("np.multiply", "doubled_value", "self.factor * 2", "0.25", "16", "a - b"):
        assert secret not in core
    assert not any(p.name.startswith(".handout") for p in kit.iterdir())
    modes = {oct(p.stat().st_mode & 0o777) for p in (kit / "handout").rglob("*")}
    assert modes == {"0o644", "0o755"}


def test_build_and_zip_are_byte_identical_when_repeated(kit, tmp_path):
    assert run_build(kit, "--zip", str(tmp_path / "one.zip")).returncode == 0
    first = tree(kit / "handout")
    (kit / "solution/mlp/core.py").touch()
    done = run_build(kit, "--out", str(tmp_path / "second"), "--zip", str(tmp_path / "two.zip"))
    assert done.returncode == 0, done.stderr
    assert tree(tmp_path / "second") == first
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "one.zip") as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == sorted(f"handout/{name}" for name in first)
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert {(i.external_attr >> 16) & 0o777 for i in infos} == {0o644}
        assert {i.filename[len("handout/"):]: archive.read(i) for i in infos} == first


def test_check_names_every_stale_file(kit):
    assert run_build(kit).returncode == 0
    done = run_build(kit, "--check")
    assert done.returncode == 0, done.stderr
    handout = kit / "handout"
    (handout / "mlp/core.py").write_text("# edited by hand\n")
    (handout / "train.py").unlink()
    (handout / "extra.py").write_text("x = 1\n")
    (handout / "mlp/__pycache__").mkdir()
    (handout / "mlp/__pycache__/core.cpython-311.pyc").write_bytes(b"debris is ignored")
    done = run_build(kit, "--check")
    assert done.returncode == 1
    assert "mlp/core.py (out of date)" in done.stderr
    assert "train.py (missing)" in done.stderr
    assert "extra.py (not in a fresh build)" in done.stderr
    assert "__pycache__" not in done.stderr
    assert (handout / "extra.py").exists()  # --check writes nothing


def test_a_marker_error_is_one_line_and_leaves_the_old_handout_untouched(kit):
    assert run_build(kit).returncode == 0
    before = tree(kit / "handout")
    core = kit / "solution/mlp/core.py"
    core.write_text(core.read_text().replace("    # END SOLUTION\n\n\nclass",
                                             "    # BEGIN SOLUTION\n\n\nclass", 1))
    done = run_build(kit)
    assert done.returncode == 1
    assert re.fullmatch(r"solution/mlp/core\.py:\d+: nested BEGIN SOLUTION .*\n", done.stderr)
    assert "Traceback" not in done.stderr
    assert tree(kit / "handout") == before
    assert not any(p.name.startswith(".handout") for p in kit.iterdir())


@pytest.mark.parametrize("args", [["--bogus"], ["--zip", "/no/such/folder/h.zip"],
                                  ["--check", "--zip", "h.zip"]])
def test_usage_errors_exit_2_without_a_traceback(kit, args):
    done = run_build(kit, *args)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "error:" in done.stderr


def test_a_missing_config_source_is_a_one_line_error(kit):
    shutil.rmtree(kit / "solution/tools")
    done = run_build(kit)
    assert done.returncode == 1
    assert done.stderr == "handout.toml: map source 'solution/tools' does not exist\n"


@pytest.mark.parametrize("path, content, reason", [
    # proof 3: a solution line shipped by a file the stripper does not touch
    ("solution/mlp/NOTES.md", "Hint: doubled_value = x + x\n", "mlp/NOTES.md: contains solution line"),
    # proof 3: a copy of the hidden specs under another name
    ("autograder/cases/extra.toml", HIDDEN_TOML, "identical to instructor-only autograder/cases/hidden.toml"),
    # proof 3: a hidden case named in a shipped file
    ("autograder/notes.txt", "see hidden_secret_case\n", "names hidden case 'hidden_secret_case'"),
    # proof 3: a forgotten marker in a file that is copied verbatim
    ("solution/tools/README.txt", "# BEGIN SOLUTION\n", "tools/README.txt: solution marker left"),
    # proof 2: a stub whose NotImplementedError is swallowed
    ("solution/mlp/extra.py", "def safe(x):\n    try:\n        # BEGIN SOLUTION\n"
     "        return x + 1\n        # END SOLUTION\n    except Exception:\n        return 0\n",
     "mlp.extra.safe: stub does not raise NotImplementedError (returned normally)"),
    # proof 1: the stripped package no longer imports
    ("solution/mlp/extra.py", "# BEGIN SOLUTION\nWIDTH = 4\n# END SOLUTION\nHALF = WIDTH // 2\n",
     "import mlp fails"),
])
def test_the_build_refuses_a_handout_that_fails_a_proof(kit, path, content, reason):
    assert run_build(kit).returncode == 0
    before = tree(kit / "handout")
    write(kit / path, content)
    if path == "solution/mlp/extra.py":
        init = kit / "solution/mlp/__init__.py"
        init.write_text(init.read_text() + "from . import extra\n")
    done = run_build(kit)
    assert done.returncode == 1
    assert "refusing to write the handout" in done.stderr and reason in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1
    assert tree(kit / "handout") == before


def test_the_stand_in_calls_reach_methods_properties_and_static_methods(kit, tmp_path):
    assert run_build(kit).returncode == 0
    stubbed = [("mlp.core", "square"), ("mlp.core", "Doubler.forward"),
               ("mlp.core", "Doubler.label"), ("mlp.core", "Doubler.difference")]
    config = bh.load_config(kit)
    assert bh.verify_runtime(kit / "handout", config, stubbed) == []
    # The same calls against the solution return normally, so the check can fail.
    solution_view = tmp_path / "solved"
    shutil.copytree(kit / "solution", solution_view)
    problems = bh.verify_runtime(solution_view, config, stubbed)
    assert sorted(p.split(":")[0] for p in problems if "does not raise" in p) == sorted(
        f"{module}.{name}" for module, name in stubbed)


# ----------------------------------------------------------------------------- the real handout

STUDENT_FUNCTIONS = {
    ("mlp.activations", f"{cls}.{method}")
    for cls in ("Sigmoid", "Tanh", "ReLU", "LeakyReLU") for method in ("forward", "derivative")
} | {("mlp.loss", "SoftmaxCrossEntropy.forward"), ("mlp.loss", "SoftmaxCrossEntropy.derivative"),
     ("mlp.batchnorm", "BatchNorm.forward"), ("mlp.batchnorm", "BatchNorm.backward"),
     ("mlp.initializers", "random_normal_weight_init"), ("mlp.initializers", "zeros_bias_init"),
     ("mlp.mlp", "MLP.forward"), ("mlp.mlp", "MLP.backward"), ("mlp.mlp", "MLP.zero_grads"),
     ("mlp.mlp", "MLP.step"), ("mlp.training", "get_training_stats")}


@pytest.fixture(scope="module")
def real_render():
    return bh.render(ROOT, bh.load_config(ROOT))


def test_committed_handout_is_current():
    done = subprocess.run([PYTHON, "build_handout.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_proof1_every_handout_py_parses_and_mlp_imports_from_the_handout():
    py_files = sorted(HANDOUT_DIR.rglob("*.py"))
    assert HANDOUT_DIR / "mlp/__init__.py" in py_files
    for path in py_files:
        compile(path.read_bytes(), str(path), "exec")
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); import mlp; "
             "print(mlp.__file__); print(sorted(mlp.__all__))")
    done = subprocess.run([PYTHON, "-I", "-B", "-c", probe, str(HANDOUT_DIR)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    imported_from, names = done.stdout.splitlines()
    assert Path(imported_from) == HANDOUT_DIR / "mlp/__init__.py"
    for name in ("Sigmoid", "SoftmaxCrossEntropy", "BatchNorm", "MLP", "get_training_stats"):
        assert repr(name) in names


def test_proof2_every_stripped_function_raises_not_implemented(real_render):
    recorded = set(real_render.stubbed)
    assert STUDENT_FUNCTIONS <= recorded, STUDENT_FUNCTIONS - recorded
    config = bh.load_config(ROOT)
    assert bh.verify_runtime(HANDOUT_DIR, config, sorted(recorded)) == []


def _independent_secrets() -> set[str]:
    """Lines of two or more words inside solution blocks of solution/mlp, found with a bare
    line scan, minus those the same package also shows outside its blocks."""
    secrets, shown = set(), set()
    for path in sorted((ROOT / "solution/mlp").rglob("*.py")):
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


def test_proof3_no_solution_line_and_no_hidden_file_in_the_handout():
    handout_text = {p: " ".join(p.read_text(errors="replace").split())
                    for p in sorted(HANDOUT_DIR.rglob("*")) if p.is_file()}
    secrets = _independent_secrets()
    assert len(secrets) > 20
    for path, text in handout_text.items():
        if path.suffix == ".py" and path.relative_to(HANDOUT_DIR).parts[0] == "mlp":
            leaked = [s for s in secrets if s in text]
            assert not leaked, f"{path}: {leaked[:3]}"
    config = bh.load_config(ROOT)
    files = {p.relative_to(HANDOUT_DIR).as_posix(): p.read_bytes()
             for p in sorted(HANDOUT_DIR.rglob("*")) if p.is_file()
             and not bh.matches_any(p.relative_to(HANDOUT_DIR).as_posix(), config.skip)}
    assert bh.find_leaks(ROOT, config, files) == []
    assert not (HANDOUT_DIR / "autograder/cases/hidden.toml").exists()
    assert not (HANDOUT_DIR / "autograder/data/hidden").exists()
    hidden = [p for p in [ROOT / "autograder/cases/hidden.toml",
                          *(ROOT / "autograder/data/hidden").rglob("*")] if p.is_file()]
    hidden_hashes = {hashlib.sha256(p.read_bytes()).hexdigest() for p in hidden}
    assert not hidden_hashes & {hashlib.sha256(d).hexdigest() for d in files.values()}


def test_proof4_real_build_and_zip_are_deterministic(tmp_path, real_render):
    for name in ("a", "b"):
        done = subprocess.run([PYTHON, "build_handout.py", "--out", str(tmp_path / name),
                               "--zip", str(tmp_path / f"{name}.zip")],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    assert tree(tmp_path / "a") == tree(tmp_path / "b") == real_render.files
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_proof5_check_names_stale_files_in_a_copy_of_the_handout(tmp_path):
    copy = tmp_path / "handout"
    shutil.copytree(HANDOUT_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "mlp/activations.py").write_text("# an old version\n")
    (copy / "README.md").unlink()
    done = subprocess.run([PYTHON, "build_handout.py", "--check", "--out", str(copy)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "mlp/activations.py (out of date)" in done.stderr
    assert "README.md (missing)" in done.stderr


def test_the_build_never_replaces_a_folder_that_is_not_a_handout(kit, tmp_path):
    precious = tmp_path / "precious"
    write(precious / "thesis.tex", "years of work\n")
    done = run_build(kit, "--out", str(precious))
    assert done.returncode == 1 and "does not look like a handout" in done.stderr
    assert (precious / "thesis.tex").read_text() == "years of work\n"
    done = run_build(kit, "--out", str(kit / "solution"))
    assert done.returncode == 1 and "would overwrite the repository" in done.stderr
    assert (kit / "solution/mlp/core.py").read_text() == CORE
