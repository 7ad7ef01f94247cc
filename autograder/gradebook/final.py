"""Final grades: the automatic results of a batch with the gradebook's hand scores applied.

The arithmetic (hand scores into the total, the cap after hand grading) is
``autograder.grade.score.with_hand_grades``; this module only reads the batch folder, asks the
gradebook and writes the class files, which ``batch`` and ``gradebook export`` both write here:

    grades.csv, summary.json, report.png   the class (hand-graded columns filled in)
    feedback/<student>.json                 each student's final result, comments included
    feedback/<student>.html                 ... as the student's HTML report, when the kit has one
    <canvas file>                           the Canvas import, when a roster was given
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from autograder.batch import canvas
from autograder.batch.deliverables import FILES_DIR
from autograder.batch.plot import write_report
from autograder.batch.summary import summarize, write_summary
from autograder.files import write_text
from autograder.grade.score import with_hand_grades
from autograder.gradebook.store import GRADEBOOK_FILE, Gradebook, GradebookError, Mark
from autograder.results import to_json, write_csv
from autograder.results.model import GradeResult, ResultFormatError

GRADES_CSV, SUMMARY_JSON, REPORT_PNG = "grades.csv", "summary.json", "report.png"
BATCH_KEY = "batch"   # extra key of <student>.json: what the result was graded from
FEEDBACK_DIR = "feedback"
# What batch records in the gradebook so that `gradebook export` and `review` need no flags.
META_ASSIGNMENT, META_TITLE, META_RUBRIC = "assignment", "title", "rubric"


@dataclass
class Submission:
    """One student of a batch: the automatic result and the digest of what was graded."""
    id: str
    result: GradeResult
    digest: str
    path: Path | None = None   # its <student>.json


def read_class(batch_dir: Path, without_cases: bool = False) -> list[Submission]:
    """Every ``<student>.json`` batch wrote, by student id; GradebookError (one line) for a
    folder that is not a batch's output or a result file that cannot be read.
    ``without_cases``: items keep their scores but not their cases (an overview needs no more,
    and reading every case of a class is most of the time it takes)."""
    batch_dir = Path(batch_dir)
    if not batch_dir.is_dir():
        raise GradebookError(f"{batch_dir}: no such folder (give the --out folder of batch)")
    found = []
    for path in sorted(batch_dir.glob("*.json")):
        if path.name == SUMMARY_JSON or path.is_symlink():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            stored = data[BATCH_KEY] if isinstance(data, dict) else None
            if not isinstance(stored, dict):
                continue            # not a student's result (some other JSON file)
            if without_cases:
                for item in data.get("items") or []:
                    if isinstance(item, dict):
                        item["cases"] = []
            result = GradeResult.from_dict(data)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, ResultFormatError) as exc:
            raise GradebookError(f"{path}: not a result batch wrote ({exc})") from None
        found.append(submission(batch_dir, str(stored.get("student") or path.stem), result,
                                str(stored.get("submission_sha256") or ""), path))
    if not found:
        raise GradebookError(f"{batch_dir}: no student results; run `python -m autograder "
                             f"batch ... --out {batch_dir}` first")
    return found


def content_digest(code_digest: str, files: Path) -> str:
    """What a hand grader saw: the graded code (batch's ``submission_sha256``) and the
    deliverables batch copied for review (``files/<student>/``: the report, say), so that a
    new report alone also asks for a second look."""
    digest = hashlib.sha256(code_digest.encode())
    if files.is_dir() and not files.is_symlink():
        for entry in sorted(os.scandir(files), key=lambda e: e.name):
            if entry.is_file(follow_symlinks=False):
                digest.update(f"\0{entry.name}\0".encode())
                digest.update(hashlib.sha256(Path(entry.path).read_bytes()).digest())
    return "content:" + digest.hexdigest()


def submission(out: Path, student: str, result: GradeResult, code_digest: str,
               path: Path | None = None) -> Submission:
    """The student as the gradebook sees it (see ``content_digest``)."""
    return Submission(student, result,
                      content_digest(code_digest, Path(out) / FILES_DIR / student), path)


def read_result(path: Path) -> GradeResult:
    """One student's whole result (GradebookError when it cannot be read)."""
    try:
        return GradeResult.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ResultFormatError) as exc:
        raise GradebookError(f"{path}: not a result batch wrote ({exc})") from None


def open_gradebook(batch_dir: Path) -> Gradebook | None:
    """The batch's gradebook, or None when nobody has graded anything by hand there."""
    path = Path(batch_dir) / GRADEBOOK_FILE
    return Gradebook.open(batch_dir, create=False) if path.exists() else None


def needs_recheck(mark: Mark, digest: str) -> bool:
    """The submission changed since this mark was saved (a late resubmission, say)."""
    return mark.score is not None and bool(mark.submission) and mark.submission != digest


def final_results(submissions: Sequence[Submission], book: Gradebook | None
                  ) -> list[tuple[str, GradeResult]]:
    """(student id, final result) in the order given; the automatic results are unchanged."""
    marks = book.marks() if book is not None else {}
    final = []
    for one in submissions:
        mine = {item: mark for (student, item), mark in marks.items() if student == one.id}
        changed = [item for item, mark in mine.items() if needs_recheck(mark, one.digest)]
        final.append((one.id, with_hand_grades(one.result, mine, changed)))
    return final


def write_class_files(out: Path, rubric, graded: Sequence[tuple[str, GradeResult]], *,
                      canvas_export: canvas.CanvasImport | None = None,
                      canvas_path: Path | None = None, roster: str | None = None,
                      extra: dict | None = None) -> dict:
    """grades.csv, summary.json (with ``extra`` keys), report.png, the feedback folder and the
    Canvas import; returns the summary."""
    out = Path(out)
    write_csv(out / GRADES_CSV, [item.id for item in rubric.items], graded)
    summary = summarize(rubric, graded)
    if canvas_export is not None:
        canvas.write_canvas(canvas_path, canvas_export)
        summary["canvas"] = {"file": str(canvas_path), "roster": roster,
                             **canvas_export.to_json()}
    summary.update(extra or {})
    write_summary(out / SUMMARY_JSON, summary)
    write_report(out / REPORT_PNG, summary,
                 [result.score for _, result in graded if result.status == "graded"])
    if any(item.manual for item in rubric.items):   # hand grading's comments reach students
        write_feedback(out, graded)
    return summary


def write_feedback(out: Path, graded: Sequence[tuple[str, GradeResult]]) -> None:
    """feedback/<student>.json (and .html when the kit has an HTML report view) per student."""
    folder = Path(out) / FEEDBACK_DIR
    folder.mkdir(exist_ok=True)
    html = _html_view()
    for student, result in graded:
        write_text(folder / f"{student}.json",
                   json.dumps(to_json(result), indent=2, ensure_ascii=False, allow_nan=False)
                   + "\n")
        if html is not None:
            write_text(folder / f"{student}.html", html(result))


def _html_view():
    """The student's HTML report view, if this copy of the kit has one (issue 17's)."""
    try:
        from autograder.results import html_view
    except ImportError:
        return None
    return getattr(html_view, "to_html", None)


@dataclass
class ExportOutcome:
    students: int
    hand_graded: int      # (student, item) marks with a score
    recheck: list[str]    # "student: item" whose submission changed since hand grading
    canvas: canvas.CanvasImport | None


def export(batch_dir: Path, roster_path: Path | None = None, canvas_path: Path | None = None,
           column: str | None = None) -> ExportOutcome:
    """Rewrite the class files of ``batch_dir`` with the gradebook's hand scores (no grading).
    GradebookError, RubricError or InputError (one line) for what cannot be used."""
    from autograder.grade.rubric import load_rubric
    batch_dir = Path(batch_dir)
    submissions = read_class(batch_dir)
    book = open_gradebook(batch_dir)
    meta = book.meta() if book is not None else {}
    previous = _previous_summary(batch_dir)
    rubric_path = meta.get(META_RUBRIC)
    if not rubric_path:
        raise GradebookError(f"{batch_dir}: the batch recorded no rubric (no hand-graded item "
                             f"there?); rerun batch with this kit first")
    rubric = load_rubric(rubric_path)
    graded = final_results(submissions, book)
    roster_text = roster_path or (previous.get("canvas") or {}).get("roster")
    canvas_path = canvas_path or (previous.get("canvas") or {}).get("file")
    export_ = None
    if roster_text or canvas_path:
        if not (roster_text and canvas_path):
            raise canvas.InputError("--roster and --canvas go together")
        canvas.check_output(Path(canvas_path))
        roster = canvas.read_roster(Path(roster_text))
        title = column or (previous.get("canvas") or {}).get("column") or meta.get(META_TITLE)
        export_ = canvas.canvas_import(roster, graded, rubric, title or "assignment")
    extra = {key: previous[key] for key in ("similarity",) if key in previous}
    write_class_files(batch_dir, rubric, graded, canvas_export=export_,
                      canvas_path=Path(canvas_path) if canvas_path else None,
                      roster=str(roster_text) if roster_text else None, extra=extra)
    marks = book.marks() if book is not None else {}
    digests = {s.id: s.digest for s in submissions}
    recheck = sorted(f"{student}: {item}" for (student, item), mark in marks.items()
                     if student in digests and needs_recheck(mark, digests[student]))
    return ExportOutcome(len(submissions),
                         sum(mark.score is not None for mark in marks.values()), recheck,
                         export_)


def _previous_summary(batch_dir: Path) -> dict:
    try:
        data = json.loads((batch_dir / SUMMARY_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record_class(out: Path, rubric, assignment) -> None:
    """What batch records for the gradebook: the assignment and rubric file. Only a rubric
    with a hand-graded item gets a gradebook."""
    if any(item.manual for item in rubric.items):
        book = Gradebook.open(out)
        try:   # closed at once: batch forks its grading processes next
            book.set_meta({META_ASSIGNMENT: assignment.name, META_TITLE: assignment.title,
                           META_RUBRIC: str(Path(rubric.path).resolve())})
        finally:
            book.close()


__all__ = ["BATCH_KEY", "FEEDBACK_DIR", "GRADES_CSV", "REPORT_PNG", "SUMMARY_JSON", "Submission",
           "export", "final_results", "needs_recheck", "open_gradebook", "read_class",
           "record_class", "write_class_files", "write_feedback"]
