"""`python -m autograder batch`: a mixed class end to end, resuming, interruption, input errors,
and the parts (student ids, summary, process pool) on their own."""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

from autograder.batch import run as batch_run
from autograder.batch.inputs import InputError, find_students, student_id
from autograder.batch.pool import run_each
from autograder.batch.progress import Progress
from autograder.batch.run import BatchRequest, run_batch
from autograder.batch.summary import summarize
from autograder.grade.rubric import load_rubric
from autograder.results import CaseResult, GradeResult, ItemResult
from autograder.sandbox import confine
from support import RUBRIC as RUBRIC_PATH, ROOT, SOLUTION_DIR, copy_solution, edit, run_autograder

RUBRIC = load_rubric(RUBRIC_PATH)
ITEM_IDS = [item.id for item in RUBRIC.items]
POINTS = {item.id: item.points for item in RUBRIC.items}
REGULAR = [item.id for item in RUBRIC.items if not item.bonus and item.points > 0]
SIGMOID_DERIVATIVE = "return self.state * (1.0 - self.state)"
TANH_DERIVATIVE = "return 1.0 - self.state * self.state"


def batch(*args, timeout: float = 600) -> subprocess.CompletedProcess:
    """The batch verb, for hw1 unless ``args`` name the assignment."""
    if "--assignment" not in args:
        args = (*args, "--assignment", "hw1")
    return run_autograder("batch", *args, timeout=timeout)


def read_csv(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as stream:
        return {row["student"]: row for row in csv.DictReader(stream)}


def zip_folder(folder: Path, dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return dest


def copy_handout(dest: Path, handout: Path) -> Path:
    """A submission of the handout's mlp/ (every graded function raises NotImplementedError)."""
    shutil.copytree(handout / "mlp", dest / "mlp")
    return dest


def mtimes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*.json") if p.name != "summary.json"}


@pytest.fixture(scope="module")
def mixed_class(tmp_path_factory, built_handout):
    """A class of seven: the solution, the handout, three planted bugs (as a folder, a .zip and
    a .tar.gz), a package that does not import, and a junk file; graded once with --jobs 2."""
    root = tmp_path_factory.mktemp("mixed")
    entries = root / "class"
    entries.mkdir()
    copy_solution(entries / "alice")
    copy_handout(entries / "bob", built_handout("hw1"))

    carol = copy_solution(root / "carol")
    edit(carol / "mlp" / "activations.py", SIGMOID_DERIVATIVE, "return self.state * (1.0 + self.state)")
    zip_folder(carol, entries / "carol.zip")

    dave = copy_solution(entries / "dave")
    edit(dave / "mlp" / "activations.py", TANH_DERIVATIVE, "return 1.0 - self.state")

    erin = copy_solution(root / "erin")
    edit(erin / "mlp" / "activations.py", "np.maximum(x, 0.0)", "np.maximum(x, 0.1)")
    with tarfile.open(entries / "erin.tar.gz", "w:gz") as archive:
        archive.add(erin / "mlp", "mlp")

    frank = copy_solution(entries / "frank")
    edit(frank / "mlp" / "mlp.py", "class MLP:", "class MLP(:")
    (entries / "grace.txt").write_text("I could not finish the assignment, sorry.\n")
    (entries / ".DS_Store").write_bytes(b"\0\1 not a student")

    out = root / "out"
    proc = batch(entries, "--out", out, "--jobs", "2")
    return entries, out, proc


def test_mixed_class_gives_the_expected_rows(mixed_class):
    entries, out, proc = mixed_class
    assert proc.returncode == 0, proc.stderr
    assert "7 students: 7 graded, 0 reused" in proc.stdout
    with open(out / "grades.csv", newline="") as stream:
        header = next(csv.reader(stream))
    assert header == ["student", "total", *ITEM_IDS, "flags"]
    rows = read_csv(out / "grades.csv")
    assert list(rows) == ["alice", "bob", "carol", "dave", "erin", "frank", "grace"]

    def score(student, item):
        return float(rows[student][item])

    assert rows["alice"]["total"] == "100"
    assert all(score("alice", i) == POINTS[i] for i in ITEM_IDS)
    assert rows["alice"]["flags"] == ""
    for student in ("frank", "grace"):
        assert rows[student]["total"] == "0"
        assert all(score(student, i) == 0 for i in ITEM_IDS)
    assert rows["grace"]["flags"] == "unreadable-submission"
    assert all(score("bob", i) == 0 for i in REGULAR)
    assert float(rows["bob"]["total"]) == 0
    for student, bugged in (("carol", "sigmoid"), ("dave", "tanh"), ("erin", "relu")):
        assert score(student, bugged) < POINTS[bugged], (student, rows[student])
        for intact in ("sigmoid", "tanh", "relu", "initializers", "linear_classifier",
                       "batchnorm_train", "momentum"):
            if intact != bugged:
                assert score(student, intact) == POINTS[intact], (student, intact)
        earned = sum(score(student, i) for i in ITEM_IDS)   # bonus may make up the loss
        assert abs(float(rows[student]["total"]) - min(100.0, earned)) <= 0.02


def test_mixed_class_writes_a_json_per_student_and_the_class_files(mixed_class):
    entries, out, _ = mixed_class
    carol = json.loads((out / "carol.json").read_text())
    assert carol["submission"] == f"{entries}/carol.zip"
    assert carol["batch"]["student"] == "carol"
    assert carol["batch"]["submission_sha256"].startswith("code:")
    assert json.loads((out / "grace.json").read_text())["batch"]["submission_sha256"].startswith("raw:")
    assert not (out / "DS_Store.json").exists() and not (out / ".DS_Store.json").exists()
    assert (out / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]

    summary = json.loads((out / "summary.json").read_text())
    assert (summary["students"], summary["graded"], summary["grader_errors"]) == (7, 7, [])
    rows = read_csv(out / "grades.csv")
    totals = sorted(float(r["total"]) for r in rows.values())
    assert summary["total"]["median"] == totals[3]
    assert summary["total"]["max"] == 100
    items = {item["id"]: item for item in summary["items"]}
    assert list(items) == ITEM_IDS
    full_sigmoid = sum(float(r["sigmoid"]) == POINTS["sigmoid"] for r in rows.values())
    assert items["sigmoid"]["pass_rate"] == round(full_sigmoid / 7, 4)
    assert items["sigmoid"]["mean"] == round(sum(float(r["sigmoid"]) for r in rows.values()) / 7, 2)


def test_a_rerun_reuses_every_result_and_regrades_only_a_changed_submission(mixed_class):
    entries, out, _ = mixed_class
    before = mtimes(out)
    proc = batch(entries, "--out", out, "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    assert "7 students: 0 graded, 7 reused" in proc.stdout
    assert mtimes(out) == before

    # A comment changes the code's content hash; a notes file next to the code does not.
    edit(entries / "dave" / "mlp" / "activations.py", "import numpy as np",
         "import numpy as np  # resubmitted")
    (entries / "alice" / "notes.md").write_text("not code")
    proc = batch(entries, "--out", out, "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    assert "7 students: 1 graded, 6 reused" in proc.stdout
    after = mtimes(out)
    assert after["dave.json"] != before["dave.json"]
    assert {k: v for k, v in after.items() if k != "dave.json"} == \
           {k: v for k, v in before.items() if k != "dave.json"}
    assert read_csv(out / "grades.csv")["dave"]["tanh"] != str(POINTS["tanh"])


def test_force_regrades_everyone(tmp_path):
    entries = tmp_path / "class"
    entries.mkdir()
    (entries / "x.txt").write_text("junk")
    (entries / "y.ipynb").write_text("{}")
    out = tmp_path / "out"
    assert batch(entries, "--out", out).returncode == 0
    before = mtimes(out)
    time.sleep(0.01)
    proc = batch(entries, "--out", out, "--force")
    assert proc.returncode == 0 and "2 graded, 0 reused" in proc.stdout
    assert all(mtimes(out)[name] != before[name] for name in before)


def test_a_zip_of_zips_is_unpacked_and_graded(tmp_path):
    solution = copy_solution(tmp_path / "alice")
    inner = zip_folder(solution, tmp_path / "alice.zip")
    export = tmp_path / "export.zip"
    with zipfile.ZipFile(export, "w") as archive:   # one wrapping folder, as LMS exports make
        archive.write(inner, "hw1-submissions/alice.zip")
        archive.writestr("hw1-submissions/bob.py", "this is not python (\n")
        archive.writestr("__MACOSX/hw1-submissions/._alice.zip", b"\0")
    out = tmp_path / "out"
    proc = batch(export, "--out", out)
    assert proc.returncode == 0, proc.stderr
    rows = read_csv(out / "grades.csv")
    assert list(rows) == ["alice", "bob"]
    assert rows["alice"]["total"] == "100"
    assert rows["bob"]["total"] == "0"
    assert json.loads((out / "alice.json").read_text())["submission"] == f"{export}/alice.zip"


def test_an_interrupted_batch_keeps_complete_results_and_resumes(tmp_path):
    entries = tmp_path / "class"
    for name in ("s1", "s2", "s3", "s4"):
        copy_solution(entries / name)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "autograder", "batch", str(entries), "--out", str(out),
               "--jobs", "1"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 120
    while not list(out.glob("s*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    done = mtimes(out)
    assert 1 <= len(done) < 4
    for name in done:
        assert json.loads((out / name).read_text())["score"] == 100
    assert not (out / "grades.csv").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]

    proc = batch(entries, "--out", out, "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    assert f"4 students: {4 - len(done)} graded, {len(done)} reused" in proc.stdout
    assert all(mtimes(out)[name] == stamp for name, stamp in done.items())
    assert [r["total"] for r in read_csv(out / "grades.csv").values()] == ["100"] * 4


@pytest.mark.parametrize("problem", ["missing", "empty", "out_is_file", "duplicate",
                                     "broken_link", "fifo", "not_a_folder", "out_inside",
                                     "bad_zip", "reserved", "jobs"])
def test_input_errors_get_one_line_and_exit_2(tmp_path, problem):
    entries = tmp_path / "class"
    entries.mkdir()
    (entries / "alice.py").write_text("x = 1\n")
    out = tmp_path / "out"
    extra = []
    expected = {"missing": "no such file", "empty": "holds no submissions",
                "out_is_file": "is a file", "duplicate": "two entries for student 'alice'",
                "broken_link": "cannot read entry 'zed'", "fifo": "not a file or folder",
                "not_a_folder": "expected a folder", "out_inside": "inside the input",
                "bad_zip": "not a valid .zip", "reserved": "would overwrite",
                "jobs": "at least 1"}[problem]
    if problem == "missing":
        entries = tmp_path / "nowhere"
    elif problem == "empty":
        (entries / "alice.py").unlink()
        (entries / ".hidden").write_text("")
    elif problem == "out_is_file":
        out.write_text("")
    elif problem == "duplicate":
        (entries / "alice").mkdir()
    elif problem == "broken_link":
        (entries / "zed").symlink_to(tmp_path / "gone")
    elif problem == "fifo":
        os.mkfifo(entries / "pipe")
    elif problem == "not_a_folder":
        entries = entries / "alice.py"
    elif problem == "out_inside":
        out = entries / "results"
    elif problem == "bad_zip":
        entries = tmp_path / "class.zip"
        entries.write_bytes(b"PK\3\4 truncated")
    elif problem == "reserved":
        (entries / "summary.zip").write_bytes(b"")
    elif problem == "jobs":
        extra = ["--jobs", "0"]
    proc = batch(entries, "--out", out, *extra, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert expected in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_dead_grading_process_costs_its_student_only_and_is_retried(tmp_path, monkeypatch):
    entries = tmp_path / "class"
    entries.mkdir()
    for name in ("ann", "ben", "cat"):
        (entries / f"{name}.txt").write_text(name)
    real_grade = batch_run._grade

    def dies_on_ben(student, *args):
        if student.id == "ben":
            os._exit(7)
        return real_grade(student, *args)

    monkeypatch.setattr(batch_run, "_grade", dies_on_ben)
    out = tmp_path / "out"
    request = BatchRequest(entries, out, "hw1", jobs=2, progress=io.StringIO())
    outcome = run_batch(request)
    assert outcome.grader_errors == ["ben"]
    rows = read_csv(out / "grades.csv")
    assert rows["ben"]["flags"] == "grader-error" and rows["ben"]["total"] == "0"
    assert rows["ann"]["flags"] == rows["cat"]["flags"] == "unreadable-submission"
    assert "exit code 7" in json.loads((out / "ben.json").read_text())["output"]

    monkeypatch.setattr(batch_run, "_grade", real_grade)
    outcome = run_batch(BatchRequest(entries, out, "hw1", jobs=2, progress=io.StringIO()))
    assert (outcome.graded, outcome.reused, outcome.grader_errors) == (1, 2, [])
    assert read_csv(out / "grades.csv")["ben"]["flags"] == "unreadable-submission"


def test_student_ids_are_entry_names_without_their_suffix(tmp_path):
    for name in ("a.zip", "b.tar.gz", "c.py", "d.txt"):
        (tmp_path / name).write_text("")
    (tmp_path / "e.f").mkdir()
    assert [student_id(tmp_path / n) for n in ("a.zip", "b.tar.gz", "c.py", "d.txt", "e.f")] == \
           ["a", "b", "c", "d", "e.f"]
    (tmp_path / "__MACOSX").mkdir()
    students = find_students(tmp_path, "class")
    assert [s.id for s in students] == ["a", "b", "c", "d", "e.f"]
    assert students[0].shown == "class/a.zip"
    (tmp_path / "a.tgz").write_text("")
    with pytest.raises(InputError, match="'a.tgz' and 'a.zip'|'a.zip' and 'a.tgz'"):
        find_students(tmp_path, "class")


def _result(scores: dict[str, float], status: str = "graded") -> GradeResult:
    items = [ItemResult(i.id, i.name, scores.get(i.id, 0.0), i.points, i.bonus,
                        [CaseResult("c", scores.get(i.id, 0.0) >= i.points, False, "")])
             for i in RUBRIC.items]
    return GradeResult(min(100.0, sum(scores.values())), RUBRIC.cap, items, status=status)


def test_summary_statistics_and_pass_rates():
    graded = [("a", _result({"sigmoid": 4, "tanh": 2})), ("b", _result({"sigmoid": 4})),
              ("c", _result({"sigmoid": 1, "tanh": 4})),
              ("d", _result({"sigmoid": 4, "tanh": 4}, status="error"))]
    summary = summarize(RUBRIC, graded)
    assert (summary["students"], summary["graded"], summary["grader_errors"]) == (4, 3, ["d"])
    items = {i["id"]: i for i in summary["items"]}
    assert items["sigmoid"] == {"id": "sigmoid", "name": RUBRIC.item("sigmoid").name,
                                "max_score": 4.0, "bonus": False, "mean": 3.0, "median": 4.0,
                                "pass_rate": round(2 / 3, 4)}
    assert (items["tanh"]["mean"], items["tanh"]["median"], items["tanh"]["pass_rate"]) == \
           (2.0, 2.0, round(1 / 3, 4))
    assert summary["total"] == {"mean": 5.0, "median": 5.0, "min": 4.0, "max": 6.0}
    empty = summarize(RUBRIC, [])
    assert empty["total"]["mean"] is None and empty["items"][0]["pass_rate"] is None


def _square(n):
    return n * n


def _dies_on_three(n):
    if n == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return os.getpid()


def test_pool_gives_each_job_its_own_process_and_survives_a_dead_one():
    answers = {}
    run_each(range(6), _dies_on_three, 2,
             lambda job, answer, code: answers.__setitem__(job, (answer, code)))
    assert answers[3] == (None, -signal.SIGKILL)
    pids = [answers[n][0] for n in (0, 1, 2, 4, 5)]
    assert len(set(pids)) == 5 and os.getpid() not in pids
    squares = {}
    run_each(range(5), _square, 3, lambda job, answer, code: squares.__setitem__(job, answer))
    assert squares == {n: n * n for n in range(5)}


def test_progress_line_counts_reuse_and_estimates_the_rest():
    stream = io.StringIO()
    progress = Progress(total=10, reused=2, stream=stream)
    progress.started -= 30.0   # 30 s for the 2 graded below: 4 per minute, 6 left = 1:30
    progress.advance()
    progress.advance()
    line = progress.line()
    assert "4/10 done (2 reused)" in line and "4/min" in line and "ETA 1:30" in line
    assert stream.getvalue().count("\n") == 2   # not a terminal: one line per tenth reached


def test_scratch_goes_to_shared_memory_only_when_it_is_roomy_and_tmpdir_is_unset(monkeypatch):
    from autograder import scratch

    class Stats:
        f_frsize = 4096
        f_bavail = 0

    monkeypatch.setattr(scratch, "_is_tmpfs", lambda path: True)
    monkeypatch.setattr(scratch.os, "access", lambda path, mode: True)
    roomy, small = Stats(), Stats()
    roomy.f_bavail = 3 * scratch.MIN_FREE_BYTES_PER_JOB // 4096
    small.f_bavail = 64 * 1024 * 1024 // 4096   # Docker's default /dev/shm
    monkeypatch.setattr(scratch.os, "statvfs", lambda path: roomy)
    assert scratch.scratch_root(2, environ={}) == "/dev/shm"
    assert scratch.scratch_root(4, environ={}) is None
    assert scratch.scratch_root(2, environ={"TMPDIR": "/var/tmp"}) is None
    monkeypatch.setattr(scratch.os, "statvfs", lambda path: small)
    assert scratch.scratch_root(1, environ={}) is None


def running(pid: int) -> bool:
    """Alive and not a zombie: once a grading test has made this process a child subreaper, an
    orphaned job that stopped stays a zombie here, unreaped."""
    fields = confine.stat_after_name(pid)
    return bool(fields) and fields[0] != b"Z"


def test_a_job_stops_when_the_batch_is_killed_outright(tmp_path):
    """SIGKILL of the batch process: its job gets SIGTERM at once instead of grading on."""
    marker = tmp_path / "job-pid"
    script = (
        "import os, sys, time\n"
        "from autograder.batch.pool import run_each\n"
        f"def work(job):\n    open({str(marker)!r}, 'w').write(str(os.getpid()))\n"
        "    time.sleep(60)\n"
        "run_each([1], work, 1, lambda *a: None)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    deadline = time.monotonic() + 30
    while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    job = int(marker.read_text())
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 10
    while running(job) and time.monotonic() < deadline:
        time.sleep(0.05)
    if running(job):
        os.kill(job, signal.SIGKILL)
        pytest.fail("the job outlived its batch")
    try:
        os.waitpid(job, os.WNOHANG)   # reap it if it was left to this process
    except ChildProcessError:
        pass
