"""The non-root path, end to end: the grader itself runs as `nobody`, with the hidden references
present and readable by it. Where the kernel allows unprivileged user namespaces, the worker
enters new user, mount, PID and network namespaces (autograder/sandbox/userns.py): the
submission sees none of the kit, the references or the specs, cannot signal the grader and has
no network. The same attacks are graded as root too (the root path: a fresh uid, read-only
mounts), where they must gain nothing either.

Needs root to set up (a private mount namespace that reveals the Python install under /root,
then `setpriv` to nobody); skipped otherwise, since then tests/test_hostile.py already runs the
whole corpus on the non-root path. What non-root runs also guarantee: one crash, hang or
memory hog costs only its cases; no process outlives grading; the trusted side cannot be made
to hang or follow planted links; the last stdout line of --autolab is the grader's.
"""
from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from hostile import corpus, expect
from support import ROOT, SOLUTION_DIR, own_module, set_limits
from hostile.grading import Listener

NOBODY = 65534
hw1 = own_module("hw1", "hostile_corpus")
pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("setpriv") or not shutil.which("unshare"),
    reason="switching to nobody needs root, setpriv and unshare")
# Hides /root behind an empty tmpfs holding only the Python install, as the sandbox does.
_REVEAL_PYTHON = ('set -e; stage=$(mktemp -d); mount --bind "$PYROOT" "$stage"; '
                  'mount -t tmpfs -o mode=755 tmpfs /root; mkdir -p "$PYROOT"; '
                  'mount --move "$stage" "$PYROOT"; exec setpriv --reuid {uid} --regid {uid} '
                  '--clear-groups "$@"')


def make_world() -> Path:
    """A folder nobody can use: a readable copy of hw1's grading spec and of its visible AND
    hidden references (laid out as a distribution, so the engine finds it through
    AUTOGRADER_ASSIGNMENTS), a stand-in for an instructor's kit holding them (kit/data/hw1),
    and room for submissions and results."""
    from autograder.distribution import spec_files
    from support import HW1_DATA, assignment
    folder = Path(tempfile.mkdtemp(prefix="hostile-nobody-"))
    for name, data in spec_files(assignment("hw1")).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    for suite in ("visible", "hidden"):
        shutil.copytree(HW1_DATA / suite, folder / "data" / suite)
    (folder / "kit" / "data").mkdir(parents=True)
    (folder / "kit" / "data" / "hw1").symlink_to(folder / "data", target_is_directory=True)
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)
    return folder


@pytest.fixture(scope="module")
def world():
    folder = make_world()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def root_world():
    """Its own world: grading as root takes the world permissions off its references."""
    folder = make_world()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


NO_USER_NAMESPACES = Path(__file__).parent / "hostile" / "no_userns.py"


def as_nobody(*command: str, timeout: float = 300, assignments: Path | None = None,
              refuse_namespaces: bool = False) -> subprocess.CompletedProcess:
    """``command`` as nobody; ``assignments``: a root the engine finds assignments in;
    ``refuse_namespaces``: on a machine whose kernel refuses user namespaces to it."""
    python_root = Path(sys.base_prefix).resolve()
    script = _REVEAL_PYTHON.format(uid=NOBODY)
    env = dict(os.environ, PYROOT=str(python_root), HOME="/tmp", PYTHONDONTWRITEBYTECODE="1")
    if assignments is not None:
        env["AUTOGRADER_ASSIGNMENTS"] = str(assignments)
    if not str(python_root).startswith("/root/"):  # nothing to reveal
        script = f'exec setpriv --reuid {NOBODY} --regid {NOBODY} --clear-groups "$@"'
    refuse = [sys.executable, str(NO_USER_NAMESPACES)] if refuse_namespaces else []
    return subprocess.run([*refuse, "unshare", "-m", "--propagation", "private", "sh", "-c",
                           script, "sh", *command], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


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
                    marker: str = "", refuse_namespaces: bool = False
                    ) -> tuple[dict, subprocess.CompletedProcess]:
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
                     str(place / "result.json"), *extra, *args, assignments=world,
                     refuse_namespaces=refuse_namespaces)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert nobody_processes() <= before  # nothing the submission started is left
    if marker:
        assert expect.processes_with(marker) == []
    return json.loads((place / "result.json").read_text()), proc


def test_the_solution_gets_full_marks_as_nobody(world, tmp_path):
    result, _ = grade_as_nobody(world, "reference_solution", SOLUTION_DIR)
    expect.assert_contained(result, "visible", frozenset())
    assert result["score"] == result["max_score"]


def confines_processes(result: dict) -> bool:
    """Whether the grading's sandbox had a PID namespace of its own (no unconfined flag)."""
    return not any(flag.startswith("unconfined:") and "processes" in flag
                   for flag in result["flags"])


def reasons_as_nobody(attacks, result: dict) -> dict[str, str]:
    """The attacks' reasons; in a PID namespace the worker, its first process, cannot be
    killed from inside: the attacks that kill it fail only on their own answer (None)."""
    reasons = corpus.reasons_by_name(attacks)
    if confines_processes(result):
        for attack in (hw1.KILL_THE_PARENT, hw1.TRAPS):
            if attack in attacks:
                for name in attack.targets:
                    reasons[name] = "got None"
    return reasons


def test_crashes_cost_only_their_cases_as_nobody(world, tmp_path):
    # kill(-1) as nobody reaches the grader itself unless the sandbox has its own PID namespace
    sub = corpus.build(tmp_path / "sub", hw1.CRASHES, kill_everyone=_user_namespaces())
    result, _ = grade_as_nobody(world, "crashes", sub)
    expect.assert_contained(result, "visible", corpus.guilty_names(hw1.CRASHES),
                            reasons_as_nobody(hw1.CRASHES, result))


@pytest.fixture
def limited_world(world):
    """The world with tight sandbox limits in its assignment.toml."""
    folder = Path(tempfile.mkdtemp(prefix="hostile-nobody-limited-"))
    shutil.copytree(world, folder, dirs_exist_ok=True)
    set_limits(folder / "grading" / "assignment.toml", case_seconds=2, memory_mib=1024)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_resources_and_traps_are_bounded_as_nobody(limited_world, tmp_path):
    marker = f"{os.getpid()}{NOBODY}.5"
    trap = limited_world / "trap-target"
    sub = corpus.build(tmp_path / "sub", hw1.RESOURCES, marker=marker, trap=str(trap))
    result, _ = grade_as_nobody(limited_world, "resources", sub, marker=marker)
    expect.assert_contained(result, "visible", corpus.guilty_names(hw1.RESOURCES),
                            reasons_as_nobody(hw1.RESOURCES, result))
    assert not trap.exists()


def test_fake_autolab_lines_never_come_last_as_nobody(world, tmp_path):
    sub = corpus.build(tmp_path / "sub", [hw1.TAMPER])
    result, proc = grade_as_nobody(world, "tamper", sub, "--autolab")
    expect.assert_contained(result, "visible", frozenset({"Sigmoid"}), {"Sigmoid": "Sigmoid"})
    last = json.loads(proc.stdout.strip().splitlines()[-1])
    assert last["scores"]["sigmoid"] == 0 and last != json.loads(hw1.FAKE_AUTOLAB)


def _user_namespaces() -> bool:
    """Whether nobody may create user, mount, PID and network namespaces here."""
    return as_nobody("unshare", "--user", "--map-root-user", "--mount", "--net", "--pid",
                     "--fork", "true", timeout=60).returncode == 0


needs_namespaces = pytest.mark.skipif(
    "not _user_namespaces()", reason="this kernel refuses unprivileged user namespaces: "
    "non-root runs are not confined (the report says so: docs/security.md)")
USERS = ["nobody", "root"]


def grade_in_world(user: str, world: Path, name: str, submission: Path, *args: str
                   ) -> tuple[dict, subprocess.CompletedProcess]:
    """Grade as ``user`` (nobody, or root: the root path) with the world's assignment."""
    if user == "nobody":
        return grade_as_nobody(world, name, submission, *args)
    place = world / name
    place.mkdir()
    shutil.copytree(submission, place / "sub")
    env = dict(os.environ, AUTOGRADER_ASSIGNMENTS=str(world))
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(place / "sub"),
                           "--assignment", "hw1", "--json", str(place / "result.json"), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads((place / "result.json").read_text()), proc


def world_of(user: str, world: Path, root_world: Path) -> Path:
    return world if user == "nobody" else root_world


@needs_namespaces
@pytest.mark.parametrize("user", USERS)
def test_hidden_references_stay_hidden_and_no_network(user, world, root_world, tmp_path):
    """SNOOP reads the hidden references (readable by the grading user) and returns them when it
    finds them; without them its target answers wrongly. NETWORK calls a listener of ours."""
    here = world_of(user, world, root_world)
    secrets = {"data_dir": str(here / "data"), "spec_dir": str(here / "grading"),
               "grader_dir": str(here / "kit"),
               "secret": str(here / "data" / "hidden" / "manifest.json")}
    listener = Listener()
    try:
        sub = corpus.build(tmp_path / "sub", [hw1.SNOOP, hw1.NETWORK], port=listener.port,
                           **secrets)
        result, _ = grade_in_world(user, here, "secrets", sub, "--suite", "all")
    finally:
        listener.close()
    assert not any(flag.startswith("unconfined:") for flag in result["flags"]), result["flags"]
    # Its target's cases, hidden ones included, fail: it found no reference to return.
    expect.assert_contained(result, "all", frozenset({"Sigmoid"}), {"Sigmoid": "Sigmoid"})
    output = result["output"]
    assert "LEAKED" not in output and "TAMPERED" not in output, output
    for secret in (here / "data" / "hidden" / "manifest.json", here / "grading" / "rubric.toml",
                   here / "data" / "hidden"):
        assert f"DENIED {secret}" in output or str(secret) not in output, secret
    assert f"DENIED {here / 'data' / 'hidden' / 'manifest.json'}" in output
    assert listener.connections == 0
    assert "NET-BLOCKED 127.0.0.1" in output and "NET-OPEN" not in output


@needs_namespaces
@pytest.mark.parametrize("user", USERS)
def test_the_kit_and_the_world_are_out_of_sight(user, world, root_world, tmp_path):
    """KIT lists and reads the kit, the world's references and specs, then answers honestly:
    it keeps full marks (its control's) and sees nothing of them."""
    here = world_of(user, world, root_world)
    sub = corpus.build(tmp_path / "sub", [hw1.KIT], data_dir=str(here / "data"),
                       spec_dir=str(here / "grading"),
                       secret=str(here / "data" / "hidden" / "manifest.json"),
                       extra_paths=(str(here), str(here / "kit" / "data" / "hw1" / "hidden")))
    result, _ = grade_in_world(user, here, "look", sub, "--suite", "all")
    assert result["score"] == result["max_score"]
    seen = [line for line in result["output"].splitlines() if line.startswith("SEEN ")]
    secret = [ROOT / "data", ROOT / "solution", here, here / "data", here / "grading",
              here / "data" / "hidden" / "manifest.json", here / "grading" / "rubric.toml",
              here / "kit" / "data" / "hw1" / "hidden", Path("/home"), ROOT / "README.md",
              ROOT / "Makefile"]
    for path in secret:
        assert not any(line.startswith(f"SEEN {path} ") for line in seen), (path, seen)
    # Of the kit: the grader's package, the allowed libraries' folders.
    listings = [line for line in seen if line.startswith(f"SEEN {ROOT} ")]
    assert listings, seen   # the probe itself worked: the folder exists, with nothing else
    for line in listings:
        assert set(ast.literal_eval(line.split(" ", 2)[2])) <= {"autograder", ".venv"}, line


@needs_namespaces
@pytest.mark.parametrize("user", USERS)
def test_killing_the_grader_gains_nothing(user, world, root_world, tmp_path):
    """KILL_GRADER kills every grader process it can find, its parent's group and kill(-1),
    then answers honestly. The grading ends with a full report; no other item loses a point;
    as nobody (a PID namespace) nothing of the grader is reachable, so it keeps full marks."""
    here = world_of(user, world, root_world)
    sub = corpus.build(tmp_path / "sub", [hw1.KILL_GRADER])
    result, _ = grade_in_world(user, here, "killer", sub, "--suite", "visible")
    control, _ = grade_in_world(user, here, "killer-control", SOLUTION_DIR, "--suite", "visible")
    assert result["score"] <= control["score"]
    if user == "nobody":
        failed = [(c["name"], c["message"]) for item in result["items"] for c in item["cases"]
                  if not c["passed"]]
        assert result["score"] == control["score"], failed
    else:   # kill(-1) as the sandbox user stops its worker: only the killer's cases fail
        expect.assert_contained(result, "visible", frozenset({"Sigmoid"}),
                                {"Sigmoid": "grading process stopped"})


def test_where_user_namespaces_are_refused_grading_works_and_says_what_was_not_confined(
        world, tmp_path):
    """The kernel refuses nobody's user namespaces: grading works as before (full marks for the
    solution), each report carries the flag naming what was not confined, and `batch` prints
    it once for the whole class."""
    result, _ = grade_as_nobody(world, "refused", SOLUTION_DIR, refuse_namespaces=True)
    assert result["score"] == result["max_score"]
    assert "unconfined:filesystem,network,processes" in result["flags"], result["flags"]
    confined, _ = grade_as_nobody(world, "allowed", SOLUTION_DIR)
    assert not any(flag.startswith("unconfined:") for flag in confined["flags"]) \
        or not _user_namespaces()
    place = world / "refused-class"
    for student in ("ada", "bob"):
        shutil.copytree(SOLUTION_DIR, place / "in" / student,
                        ignore=shutil.ignore_patterns("grading", "__pycache__", "outputs"))
    for path in [place, *place.rglob("*")]:
        os.chown(path, NOBODY, NOBODY)
    proc = as_nobody(sys.executable, "-m", "autograder", "batch", str(place / "in"), "--out",
                     str(place / "out"), "--assignment", "hw1", "--suite", "visible",
                     "--jobs", "1", assignments=world, refuse_namespaces=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stderr.count("without part of its confinement") == 1, proc.stderr
    assert "(unconfined:filesystem,network,processes)" in proc.stderr, proc.stderr
