"""The training runner and the gradient-check tool, run as students run them."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

from .conftest import SOLUTION_DIR

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run(args, cwd=SOLUTION_DIR, extra_env=None):
    env = {k: v for k, v in os.environ.items() if k != "MLP_DATA_DIR"}
    env["MPLBACKEND"] = "Agg"
    env.update(extra_env or {})
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_quick_run_writes_curves_and_summary(tmp_path):
    result = run(["train.py", "--quick", "--hiddens", "32", "--out", str(tmp_path / "out")])
    assert result.returncode == 0, result.stderr
    assert "digits" in result.stderr and "test accuracy" in result.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["config"]["hiddens"] == [32] and summary["epochs"] == 2
    assert "digits" in summary["data"]
    assert set(summary["stats"]) == {"training_losses", "training_errors",
                                     "validation_losses", "validation_errors"}
    assert all(len(v) == 2 for v in summary["stats"].values())
    assert summary["stats"]["training_losses"][1] < summary["stats"]["training_losses"][0]
    assert 0.5 < summary["test_accuracy"] <= 1.0
    assert (tmp_path / "out" / "curves.png").read_bytes().startswith(PNG_SIGNATURE)
    assert not list((tmp_path / "out").glob("*.tmp"))


def test_quick_sweep_runs_every_value(tmp_path):
    result = run(["train.py", "--quick", "--sweep", "depth", "--out", str(tmp_path)])
    assert result.returncode == 0, result.stderr
    sweep = json.loads((tmp_path / "sweep-depth.json").read_text())
    assert [r["value"] for r in sweep["runs"]] == ["linear", "128", "128-128", "128-128-128"]
    assert [r["config"]["hiddens"] for r in sweep["runs"]] == [[], [128], [128, 128],
                                                               [128, 128, 128]]
    assert (tmp_path / "sweep-depth.png").read_bytes().startswith(PNG_SIGNATURE)


@pytest.mark.parametrize("args, message", [
    (["--data", "/no/such/mnist"], "/no/such/mnist"),
    (["--hiddens", "8", "--bn-layers", "3"], "--bn-layers"),
    (["--momentum", "1.5"], "--momentum"),
    (["--batch-size", "0"], "positive"),
])
def test_user_mistakes_get_a_one_line_error(tmp_path, args, message):
    result = run(["train.py", "--quick", "--out", str(tmp_path), *args])
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert message in result.stderr.strip().splitlines()[-1]


def test_unwritable_output_directory_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = run(["train.py", "--quick", "--out", str(blocker / "out")])
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert str(blocker) in result.stderr


def test_gradcheck_passes_on_the_solution():
    result = run(["-m", "tools.gradcheck"])
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("BatchNorm") and "dgamma" in line for line in lines)
    assert sum("ok" in line for line in lines) >= 20
    assert "WRONG" not in result.stdout


def test_gradcheck_flags_wrong_and_missing_gradients(tmp_path):
    (tmp_path / "hw1.py").write_text(textwrap.dedent("""
        from mlp import *
        import mlp


        class Sigmoid(mlp.Sigmoid):
            def derivative(self):
                return self.state  # wrong on purpose


        class BatchNorm(mlp.BatchNorm):
            def backward(self, delta):
                raise NotImplementedError
    """))
    result = run(["-m", "tools.gradcheck", "--module", "hw1"], cwd=tmp_path,
                 extra_env={"PYTHONPATH": str(SOLUTION_DIR)})
    assert result.returncode == 1
    rows = {line.split("  ")[0]: line for line in result.stdout.splitlines()}
    assert "WRONG" in rows["Sigmoid (5, 7)"]
    assert "not implemented" in rows["BatchNorm (10, 3)"]
    assert "ok" in rows["Tanh (5, 7)"]


def test_gradcheck_reports_an_unimportable_package(tmp_path):
    result = run(["-m", "tools.gradcheck", "--module", "nothing_here"], cwd=tmp_path,
                 extra_env={"PYTHONPATH": str(SOLUTION_DIR)})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "nothing_here" in result.stderr
