"""CW3's provided code, as students run it: the course's gradient checks pass on the solution
and fail cleanly on the handout's stubs; run.py trains, sweeps and refuses bad flags in one
line. (The graded contract itself: test_scenarios.py beside this file; the references: the
generic tests/test_reference_oracle.py with oracle.py beside this file.)"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from support import ROOT, run_autograder

SOLUTION = ROOT / "solution" / "cw3"


@pytest.fixture(scope="module")
def handout(tmp_path_factory) -> Path:
    """The student handout, built as instructors build it (it is a build product)."""
    out = tmp_path_factory.mktemp("cw3-handout") / "handout"
    built = run_autograder("handout", "cw3", "--out", out)
    assert built.returncode == 0, built.stderr[-2000:]
    return out


def run(args, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "CW3_DATA_DIR", "MLP_DATA_DIR")}
    env.update(MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_the_course_gradient_checks_pass_on_the_solution():
    done = run(["-m", "tests.test_cw3"], SOLUTION)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith(("PASS", "FAIL"))]
    assert len(lines) >= 30 and all(line.startswith("PASS") for line in lines)


def test_the_course_gradient_checks_fail_cleanly_on_the_stubs(handout):
    done = run(["-m", "tests.test_cw3"], handout)
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    assert "FAIL (not implemented)" in done.stdout and "0/32 checks passed" in done.stdout
    assert not any(line.startswith("PASS") for line in done.stdout.splitlines())


def test_run_trains_quickly_offline_and_writes_curves_and_a_summary(tmp_path):
    done = run(["run.py", "--quick", "--out", str(tmp_path)], SOLUTION / "cw3_mlp")
    assert done.returncode == 0, done.stderr[-2000:]
    [summary] = tmp_path.glob("*_summary.json")
    assert list(tmp_path.glob("*_curves.png"))
    data = json.loads(summary.read_text())
    assert not data["diverged"] and data["test_accuracy"] > 0.7   # 3 epochs on 8x8 digits
    assert data["config"]["hidden_dims"] == [128, 64]


def test_a_sweep_writes_its_plot_and_table(tmp_path):
    done = run(["run.py", "--quick", "--sweep", "hidden_dim", "--out", str(tmp_path)],
               SOLUTION / "cw3_mlp")
    assert done.returncode == 0, done.stderr[-2000:]
    table = json.loads(next(tmp_path.glob("sweep_hidden_dim*.json")).read_text())
    assert table and list(tmp_path.glob("sweep_hidden_dim*.png"))


def test_bad_flags_and_a_missing_data_folder_are_one_line(tmp_path):
    for args in (["--bogus"], ["--data", str(tmp_path / "missing")], ["--activation", "tanh"]):
        done = run(["run.py", "--quick", *args, "--out", str(tmp_path)], SOLUTION / "cw3_mlp")
        assert done.returncode == 2, (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
