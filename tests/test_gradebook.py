"""The gradebook and the final grades: hand scores applied in one place (grade/score.py) with
the cap after hand grading, every view carrying them and the comments, `gradebook export`
writing them without regrading, and a rerun of `batch` keeping every hand score and flagging a
submission that changed since it was hand-graded."""
from __future__ import annotations

import csv
import io
import json
import shutil
import sys
from pathlib import Path

import pytest

from support import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from review_class import make_review_class, tiny_pdf  # noqa: E402

from autograder.__main__ import main as autograder_main  # noqa: E402
from autograder.batch.run import BatchRequest, run_batch  # noqa: E402
from autograder.grade.score import RECHECK_FLAG, hand_score_problem, with_hand_grades  # noqa: E402
from autograder.gradebook.final import final_results, read_class  # noqa: E402
from autograder.gradebook.store import Gradebook, GradebookError, Mark, StaleSave  # noqa: E402
from autograder.results import autolab_line, to_gradescope, to_prairielearn, to_table  # noqa: E402
from autograder.results.model import GradeResult, ItemResult  # noqa: E402


def result(automatic: float, bonus: float = 0.0, status: str = "graded") -> GradeResult:
    items = [ItemResult("code", "Code", automatic, 90.0, False),
             ItemResult("extra", "Bonus", bonus, 10.0, True),
             ItemResult("report", "Report", 0.0, 10.0, False, manual=True)]
    return GradeResult(score=min(100.0, automatic + bonus), max_score=100.0, items=items,
                       status=status, error="boom" if status == "error" else "")


def mark(score, comment="", submission="d1") -> Mark:
    return Mark("alice", "report", score, comment, 1, "g", "2026-01-01T00:00:00+00:00",
                submission)


# ---------------------------------------------------------------------------- the arithmetic

def test_hand_scores_go_in_half_points_from_0_to_the_item_s_points():
    assert [hand_score_problem(s, 10) for s in (0, 7.5, 10)] == [None, None, None]
    assert all(hand_score_problem(s, 10) for s in (-0.5, 10.5, 7.25, float("nan"), True, "7"))


def test_the_cap_is_applied_after_hand_grading():
    before = result(85.0, bonus=10.0)                 # 95 automatic, 10 awaiting by hand
    assert before.score == 95.0 and before.manual_points == 10.0
    after = with_hand_grades(before, {"report": mark(8.0, "Clear plots.")})
    assert after.score == 100.0                       # 103 capped at 100, after hand grading
    report = after.items[-1]
    assert (report.score, report.hand_graded, report.comment) == (8.0, True, "Clear plots.")
    assert after.manual_points == 0.0 and before.items[-1].score == 0.0   # input unchanged
    assert with_hand_grades(result(70.0), {"report": mark(8.0)}).score == 78.0
    assert with_hand_grades(result(70.0), {"report": mark(None, "draft")}).score == 70.0
    failed = result(0.0, status="error")
    assert with_hand_grades(failed, {"report": mark(9.0)}) is failed   # that 0 is no grade


def test_a_changed_submission_keeps_its_score_and_is_flagged():
    final = with_hand_grades(result(70.0), {"report": mark(8.0)}, changed=["report"])
    assert final.score == 78.0 and final.flags == [f"{RECHECK_FLAG}:report"]


def test_every_view_shows_the_hand_score_and_the_comment():
    final = with_hand_grades(result(80.0), {"report": mark(7.5, "Good analysis; no CW2.")})
    gradescope = next(t for t in to_gradescope(final)["tests"]
                      if t["extra_data"]["id"] == "report")
    assert gradescope["score"] == 7.5 and gradescope["max_score"] == 10
    assert "Good analysis; no CW2." in gradescope["output"]
    prairielearn = next(t for t in to_prairielearn(final)["tests"] if "Report" in t["name"])
    assert prairielearn["points"] == 7.5 and "Good analysis" in prairielearn["message"]
    assert json.loads(autolab_line(final))["scores"]["report"] == 7.5
    row = next(line for line in to_table(final).splitlines() if line.startswith("report"))
    assert "7.50 / 10" in row and "graded by hand: Good analysis" in row
    # Before hand grading, every view still says "awaiting".
    assert "report" not in json.loads(autolab_line(result(80.0)))["scores"]


# --------------------------------------------------------------------------------- the store

def test_a_save_is_refused_when_the_mark_moved_on_and_history_keeps_every_save(tmp_path):
    book = Gradebook.open(tmp_path)
    book.save("a", "report", score=5, comment="one", grader="x", read_version=0,
              submission="d", max_score=10)
    with pytest.raises(StaleSave) as stale:
        book.save("a", "report", score=6, comment="two", grader="y", read_version=0,
                  submission="d", max_score=10)
    assert stale.value.current.score == 5 and stale.value.current.grader == "x"
    book.save("a", "report", score=6, comment="two", grader="y", read_version=1,
              submission="d", max_score=10)
    assert [(m.version, m.score, m.grader) for m in book.history("a", "report")] == [
        (1, 5.0, "x"), (2, 6.0, "y")]
    with pytest.raises(GradebookError):
        book.save("a", "report", score=11, comment="", grader="x", read_version=2,
                  submission="d", max_score=10)
    assert book.mark("a", "report").version == 2     # a refused save changes nothing


def test_a_gradebook_file_that_is_not_sqlite_is_a_one_line_error(tmp_path):
    (tmp_path / "gradebook.sqlite").write_text("not a database " * 100)
    with pytest.raises(GradebookError, match="not a usable gradebook"):
        Gradebook.open(tmp_path)


# ----------------------------------------------------------------------- gradebook export

def test_gradebook_export_writes_the_final_grades_without_regrading(tmp_path, capsys):
    out = tmp_path / "results"
    students = make_review_class(out, 4, seed=2)
    roster = tmp_path / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section,CW3 (77)\n"
                      "    Points Possible,,,,,100\n" +
                      "".join(f"S {s},{n},U{n},{s},1,\n" for n, s in enumerate(students)))
    book = Gradebook.open(out)
    automatic = {s.id: s.result.score for s in read_class(out)}
    book.save(students[0], "report", score=9.5, comment="Thorough <sweeps>.", grader="g",
              read_version=0, submission="", max_score=10)
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("s0*.json")}
    code = autograder_main(["gradebook", "export", str(out), "--roster", str(roster),
                            "--canvas", str(tmp_path / "canvas.csv"), "--canvas-column", "CW3"])
    assert code == 0
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("s0*.json")} == before
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO((out / "grades.csv").read_text()))}
    first = students[0]
    assert rows[first]["report"] == "9.5" and rows[students[1]]["report"] == ""
    assert float(rows[first]["total"]) == min(100, round(automatic[first] + 9.5, 2))
    summary = json.loads((out / "summary.json").read_text())
    report = next(i for i in summary["items"] if i["id"] == "report")
    assert report["hand_graded"] == 1 and report["mean"] == 9.5
    feedback = json.loads((out / "feedback" / f"{first}.json").read_text())
    assert next(i for i in feedback["items"] if i["id"] == "report")["comment"] == \
        "Thorough <sweeps>."
    canvas_rows = list(csv.reader(io.StringIO((tmp_path / "canvas.csv").read_text())))
    assert canvas_rows[0][-1] == "CW3 (77)"
    assert canvas_rows[2][-1] == rows[first]["total"]
    assert "report (10 points) is not included for 3 student(s)" in capsys.readouterr().out


def test_gradebook_export_mistakes_are_one_line_errors(tmp_path, capsys):
    assert autograder_main(["gradebook", "export", str(tmp_path / "nowhere")]) == 2
    (tmp_path / "empty").mkdir()
    assert autograder_main(["gradebook", "export", str(tmp_path / "empty")]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 2 and all(e.startswith("autograder gradebook: error:") for e in errors)


# ---------------------------------------------------------------------- rerunning batch

def cw3_submission(folder: Path, report: str) -> Path:
    shutil.copytree(ROOT / "solution" / "cw3" / "cw3_mlp", folder / "cw3_mlp",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "cw3_mlp" / "outputs").mkdir()
    (folder / "cw3_mlp" / "outputs" / "curve.txt").write_text("loss 0.1\n")
    (folder / "report.pdf").write_bytes(tiny_pdf(report))
    return folder


def test_rerunning_batch_keeps_every_hand_score_and_flags_a_changed_submission(tmp_path):
    entries, out = tmp_path / "class", tmp_path / "results"
    cw3_submission(entries / "alice", "Alice v1")
    cw3_submission(entries / "bob", "Bob")
    request = BatchRequest(entries, out, assignment="cw3", jobs=1, progress=io.StringIO())
    run_batch(request)
    assert (out / "files" / "alice" / "report.pdf").read_bytes() == tiny_pdf("Alice v1")
    book = Gradebook.open(out)
    digests = {s.id: s.digest for s in read_class(out)}
    for student, score in (("alice", 8.0), ("bob", 6.5)):
        book.save(student, "report", score=score, comment=f"for {student}", grader="g",
                  read_version=0, submission=digests[student], max_score=10)
    (entries / "alice" / "report.pdf").write_bytes(tiny_pdf("Alice v2, late"))
    again = run_batch(request)
    assert again.reused == 2                 # the code did not change: nothing regraded
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO((out / "grades.csv").read_text()))}
    assert (rows["alice"]["report"], rows["bob"]["report"]) == ("8", "6.5")
    assert rows["alice"]["flags"] == f"{RECHECK_FLAG}:report" and rows["bob"]["flags"] == ""
    assert float(rows["bob"]["total"]) == 100.0    # the solution, capped after hand grading
    assert (out / "files" / "alice" / "report.pdf").read_bytes() == tiny_pdf("Alice v2, late")
    finals = dict(final_results(read_class(out), book))
    assert next(i for i in finals["alice"].items if i.id == "report").comment == "for alice"
    assert book.mark("alice", "report").score == 8.0
