"""The hostile corpus against the lab's notebook, graded end to end (`python -m autograder
grade`, every invariant of tests/hostile/grading.py checked: exit 0, a valid report, no grader
file changed, no process or scratch folder left behind).

The generic suite (tests/test_hostile.py) plants its attacks into .py files; a notebook-only
assignment has none of the student's, so here the shared templates of tests/hostile/corpus.py
are appended to the solution notebook as a last code cell that redefines one name the grader
calls later (`MLP.forward`, `linear_backward`). The notebook's own training and checks ran
honestly before it, so exactly the items whose grader calls reach the attacked name may lose:
`MLP.forward` is the mlp item's forward cases, and the notebook's trained model (its training
case that uses the MLP, then excused); `linear_backward` is the linear_backward item only (the
check cells run again on the grader's own).
"""
from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from hostile import corpus
from hostile.grading import AS_ROOT, Listener, hostile_grade, messages, protect
from support import assignment

LAB = assignment("lab")
NOTEBOOK = LAB.solution_dir / "mlp_lab.ipynb"

pytest.importorskip("torch")


@pytest.fixture(scope="module", autouse=True)
def protected_once():
    protect("lab")


@pytest.fixture(scope="module")
def marker():
    return f"{random.SystemRandom().randint(10**6, 10**7)}.{os.getpid()}"


def hostile_notebook(dest: Path, cells: list[tuple[str, str]], **values) -> Path:
    """A submission folder holding the solution notebook with one code cell appended per
    (template, target) (templates filled as tests/hostile/corpus.py fills them)."""
    filled = {"grader_dir": str(corpus.GRADER_DIR), "fake_report": corpus.FAKE_REPORT,
              "marker": "0", "port": 9, "kill_everyone": False, "trap": "/nonexistent/trap",
              "forks": 100, "extra_paths": (), **corpus.placeholders("lab"), **values}
    notebook = json.loads(NOTEBOOK.read_text())
    for template, target, fill in cells:
        code = template.format(**{**filled, "file": "mlp_lab.ipynb", "target": target, **fill})
        notebook["cells"].append({"cell_type": "code", "execution_count": None, "metadata": {},
                                  "outputs": [], "source": code.splitlines(True)})
    dest.mkdir(parents=True)
    (dest / "mlp_lab.ipynb").write_text(json.dumps(notebook))
    return dest


def scores(result: dict) -> dict[str, float]:
    return {item["id"]: item["score"] for item in result["items"] if not item.get("manual")}


FULL = {"mlp": 3.0, "training": 3.0, "linear_backward": 4.0, "gradcheck": 2.0}


def test_a_cuda_call_and_a_pickled_payload_cost_only_their_items(tmp_path, marker):
    """linear_backward moved to a GPU the machine lacks: its cases fail with torch's CUDA
    error, nothing else does. MLP.forward unpickles a payload through torch.load first
    (weights_only refuses it; with weights_only=False it runs in the sandbox, where it can
    write nowhere that matters), then answers honestly: its cases pass."""
    sub = hostile_notebook(tmp_path / "sub", [
        (corpus.CUDA_CALL_CODE, "linear_backward", {}),
        (corpus.TORCH_LOAD_PAYLOAD_CODE, "MLP.forward", {})], marker=marker)
    result, _ = hostile_grade(tmp_path, sub, "--suite", "all", marker=marker, assignment="lab")
    assert scores(result) == {**FULL, "linear_backward": 0.0}
    failed = {name: m for name, m in messages(result).items()
              if name.startswith("linear_backward")}
    assert failed and all("CUDA" in m for m in failed.values()), failed
    for stolen in (Path(f"/tmp/stolen-{marker}"), corpus.GRADER_DIR / f"stolen-{marker}"):
        assert not stolen.exists()
    assert "TORCH-LOAD-REFUSED" in result["output"]


@pytest.mark.skipif(not AS_ROOT, reason="the read-only views and private /tmp need root")
def test_reading_grader_files_and_forking_daemons_gain_nothing(tmp_path, marker):
    """MLP.forward reads and changes grader files and looks for the reference of its logits
    (none is readable: it answers wrongly, so the mlp item's forward cases fail);
    linear_backward forks daemons and children that sleep, and MLP.__init__ tries the network,
    then both answer honestly."""
    listener = Listener()
    try:
        sub = hostile_notebook(tmp_path / "sub", [
            (corpus.SNOOP_CODE, "MLP.forward", {"key": "mlp.logits"}),
            # A process holding PyTorch forks a dozen children, not a hundred, within the
            # memory limit (as uva_dl1's corpus does).
            (corpus.DAEMONS_CODE, "linear_backward", {"forks": "12"}),
            (corpus.NETWORK_CODE, "MLP.__init__", {})], marker=marker, port=listener.port)
        result, _ = hostile_grade(tmp_path, sub, "--suite", "all", marker=marker,
                                  assignment="lab")
    finally:
        listener.close()
    assert listener.connections == 0
    assert "NET-BLOCKED 127.0.0.1" in result["output"] and "NET-OPEN" not in result["output"]
    got = scores(result)
    assert got["linear_backward"] == 4.0 and got["gradcheck"] == 2.0, got
    mlp = next(i for i in result["items"] if i["id"] == "mlp")
    failing = sorted(c["name"] for c in mlp["cases"] if not c["passed"])
    assert failing == sorted(c["name"] for c in mlp["cases"] if "logits" in c["name"])
    training = next(i for i in result["items"] if i["id"] == "training")
    assert training["score"] == 3.0          # the notebook's own model: excused, the loop alone
    output = result["output"]
    assert "LEAKED" not in output and "TAMPERED" not in output
    assert f"DENIED {LAB.data_dir / 'hidden' / 'manifest.json'}" in output


def test_a_notebook_that_sleeps_is_cut_by_the_cell_limit(tmp_path):
    """A cell that sleeps past the cell limit is the notebook's failure at that cell: every
    case that needs the cells after it fails saying so, within the time limits."""
    notebook = json.loads(NOTEBOOK.read_text())
    code_cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    code_cells[0]["source"] = ["import time\n", "time.sleep(600)\n"] + code_cells[0]["source"]
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "mlp_lab.ipynb").write_text(json.dumps(notebook))
    from support import limited_course
    limited = limited_course(tmp_path / "course", "lab", cell_seconds=2, notebook_seconds=20)
    result, _ = hostile_grade(tmp_path, sub, "--suite", "visible", assignment="lab",
                              environ=limited)
    assert result["score"] == 0
    assert all("time limit" in m for m in messages(result).values()), messages(result)


def test_torch_runs_on_one_thread_in_the_sandbox(tmp_path):
    """A last cell asserting what the worker set up before the notebook ran: one intra-op
    thread, and the thread variables of sandbox/prestart.py. Were either not so, the notebook
    would fail at that cell and lose the checks item's case that needs the whole notebook."""
    sub = hostile_notebook(tmp_path / "sub", [(
        "import os as _os, torch as _torch\n"
        "assert _torch.get_num_threads() == 1, _torch.get_num_threads()\n"
        "assert _os.environ.get('OMP_NUM_THREADS') == '1', _os.environ.get('OMP_NUM_THREADS')\n",
        "unused", {})])
    result, _ = hostile_grade(tmp_path, sub, "--suite", "visible", assignment="lab")
    assert scores(result) == FULL, messages(result)
