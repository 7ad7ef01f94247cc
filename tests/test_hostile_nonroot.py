"""The non-root path, end to end: the grader itself runs as `nobody` (no privilege drop, no
read-only mounts; a network namespace only where unprivileged user namespaces are allowed).

Needs root to set up (a private mount namespace that reveals the Python install under /root,
then `setpriv` to nobody); skipped otherwise, since then tests/test_hostile.py already runs the
whole corpus on the non-root path. What non-root runs still guarantee: one crash, hang or
memory hog costs only its cases; no process outlives grading; the trusted side cannot be made
to hang or follow planted links; the last stdout line of --autolab is the grader's.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from hostile import corpus, expect
from support import ROOT, SOLUTION_DIR, rubric_with_limits
from test_hostile import Listener

NOBODY = 65534
pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("setpriv") or not shutil.which("unshare"),
    reason="switching to nobody needs root, setpriv and unshare")
# Hides /root behind an empty tmpfs holding only the Python install, as the sandbox does.
_REVEAL_PYTHON = ('set -e; stage=$(mktemp -d); mount --bind "$PYROOT" "$stage"; '
                  'mount -t tmpfs -o mode=755 tmpfs /root; mkdir -p "$PYROOT"; '
                  'mount --move "$stage" "$PYROOT"; exec setpriv --reuid {uid} --regid {uid} '
                  '--clear-groups "$@"')


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A folder nobody can use: a readable copy of hw1's grading spec and visible references
    (laid out as a distribution, so the engine finds it through AUTOGRADER_ASSIGNMENTS), and
    room for submissions and results."""
    from autograder.bundle.contents import spec_files
    from support import HW1_DATA, assignment
    folder = Path(tempfile.mkdtemp(prefix="hostile-nobody-"))
    for name, data in spec_files(assignment("hw1")).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    shutil.copytree(HW1_DATA / "visible", folder / "data" / "visible")
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def as_nobody(*command: str, timeout: float = 300, assignments: Path | None = None
              ) -> subprocess.CompletedProcess:
    """``command`` as nobody; ``assignments``: a root the engine finds assignments in."""
    python_root = Path(sys.base_prefix).resolve()
    script = _REVEAL_PYTHON.format(uid=NOBODY)
    env = dict(os.environ, PYROOT=str(python_root), HOME="/tmp", PYTHONDONTWRITEBYTECODE="1")
    if assignments is not None:
        env["AUTOGRADER_ASSIGNMENTS"] = str(assignments)
    if not str(python_root).startswith("/root/"):  # nothing to reveal
        script = f'exec setpriv --reuid {NOBODY} --regid {NOBODY} --clear-groups "$@"'
    return subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script,
                           "sh", *command], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def nobody_processes() -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == NOBODY:
                    found.add(int(entry))
            except OSError:
                pass
    return found


def grade_as_nobody(world: Path, name: str, submission: Path, *args, rubric: Path | None = None,
                    marker: str = "") -> tuple[dict, subprocess.CompletedProcess]:
    place = world / name
    place.mkdir()
    shutil.copytree(submission, place / "sub")
    if rubric is not None:
        shutil.copy(rubric, place / "rubric.toml")
    for path in [place, *place.rglob("*")]:
        os.chown(path, NOBODY, NOBODY)
    before = nobody_processes()
    extra = ["--rubric", str(place / "rubric.toml")] if rubric is not None else []
    proc = as_nobody(sys.executable, "-m", "autograder", "grade", str(place / "sub"),
                     "--assignment", "hw1", "--suite", "visible", "--json",
                     str(place / "result.json"), *extra, *args, assignments=world)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert nobody_processes() <= before  # nothing the submission started is left
    if marker:
        assert expect.processes_with(marker) == []
    return json.loads((place / "result.json").read_text()), proc


def test_the_solution_gets_full_marks_as_nobody(world, tmp_path):
    result, _ = grade_as_nobody(world, "reference_solution", SOLUTION_DIR)
    expect.assert_contained(result, "visible", frozenset())
    assert result["score"] == result["max_score"]


def test_crashes_cost_only_their_cases_as_nobody(world, tmp_path):
    sub = corpus.build(tmp_path / "sub", corpus.CRASHES, kill_everyone=False)
    result, _ = grade_as_nobody(world, "crashes", sub)
    expect.assert_contained(result, "visible", corpus.guilty_names(corpus.CRASHES),
                            corpus.reasons_by_name(corpus.CRASHES))


def test_resources_and_traps_are_bounded_as_nobody(world, tmp_path):
    marker = f"{os.getpid()}{NOBODY}.5"
    trap = world / "trap-target"
    sub = corpus.build(tmp_path / "sub", corpus.RESOURCES, marker=marker, trap=str(trap))
    rubric = rubric_with_limits(tmp_path / "rubric.toml", case_seconds=2, memory_mib=1024)
    result, _ = grade_as_nobody(world, "resources", sub, rubric=rubric, marker=marker)
    expect.assert_contained(result, "visible", corpus.guilty_names(corpus.RESOURCES),
                            corpus.reasons_by_name(corpus.RESOURCES))
    assert not trap.exists()


def test_fake_autolab_lines_never_come_last_as_nobody(world, tmp_path):
    sub = corpus.build(tmp_path / "sub", [corpus.TAMPER])
    result, proc = grade_as_nobody(world, "tamper", sub, "--autolab")
    expect.assert_contained(result, "visible", frozenset({"Sigmoid"}), {"Sigmoid": "Sigmoid"})
    last = json.loads(proc.stdout.strip().splitlines()[-1])
    assert last["scores"]["sigmoid"] == 0 and last != json.loads(corpus.FAKE_AUTOLAB)


def _unprivileged_network_namespaces() -> bool:
    return as_nobody("unshare", "--user", "--net", "true", timeout=60).returncode == 0


def test_no_network_as_nobody_where_user_namespaces_allow_it(world, tmp_path):
    if not _unprivileged_network_namespaces():
        pytest.skip("this kernel refuses unprivileged user namespaces: non-root runs keep "
                    "the network (documented in docs/security.md)")
    listener = Listener()
    try:
        sub = corpus.build(tmp_path / "sub", [corpus.NETWORK], port=listener.port)
        result, _ = grade_as_nobody(world, "network", sub)
    finally:
        listener.close()
    expect.assert_contained(result, "visible", frozenset())
    assert listener.connections == 0
    assert "NET-BLOCKED 127.0.0.1" in result["output"] and "NET-OPEN" not in result["output"]
