"""The batch itself: find the students, reuse what is already graded, grade the rest in
parallel, then write the class files. Every file is written atomically, so an interruption
leaves only complete per-student results, and rerunning the same command resumes.

Two extras, each checked before any grading so that a mistake costs no time: a Canvas gradebook
import (``--roster``/``--canvas``, batch/canvas.py) and the similarity report
(``--similarity``, autograder/similarity/, imported only when asked)."""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from autograder.batch import canvas
from autograder.batch.fingerprint import grader_key, submission_hash
from autograder.batch.inputs import InputError, Student, find_students, unpack_class_archive
from autograder.batch.deliverables import copy_deliverables
from autograder.batch.pool import run_each
from autograder.batch.preload import preload_assignment, preload_grader
from autograder.batch.progress import Progress
from autograder.scratch import scratch_root
from autograder.grade.pipeline import GradeRequest, grade_submission, resolve_suites
from autograder.assignments import Assignment, AssignmentError, choose_for_class
from autograder.grade.rubric import Rubric, load_rubric
from autograder.grade.score import UNCONFINED_FLAG
from autograder.gradebook.final import (BATCH_KEY, GRADES_CSV, REPORT_PNG, SUMMARY_JSON,
                                        final_results, open_gradebook, record_class,
                                        submission, write_class_files)
from autograder.results import error_result, to_json
from autograder.files import write_text
from autograder.results.html_view import is_page, write_exports
from autograder.results.model import GradeResult, ResultFormatError
from autograder.submission.unpack import archive_suffix

__all__ = ["BATCH_KEY", "GRADES_CSV", "REPORT_PNG", "SUMMARY_JSON", "BatchRequest",
           "BatchOutcome", "run_batch"]


@dataclass
class BatchRequest:
    input: Path
    out: Path
    assignment: str | None = None    # None: inferred from the submissions
    rubric_path: Path | None = None  # None: the assignment's rubric
    jobs: int = os.cpu_count() or 1
    suite: str | None = None
    force: bool = False
    progress: TextIO = field(default_factory=lambda: sys.stderr)
    roster: Path | None = None        # a Canvas gradebook export, for `canvas`
    canvas: Path | None = None        # write a Canvas gradebook import here
    canvas_column: str | None = None  # its assignment column (default: the assignment's title)
    similarity: bool = False          # also compare every pair of submissions
    against: Path | None = None       # ... and each with these past or public solutions


@dataclass
class BatchOutcome:
    students: int
    graded: int           # graded in this run
    reused: int           # results kept from an earlier run
    grader_errors: list[str]
    seconds: float
    canvas: canvas.CanvasImport | None = None
    similarity: dict | None = None    # run_similarity's summary
    unconfined: list[str] = field(default_factory=list)   # the sandbox's unconfined:... flags
                                                          # of this run's gradings (one machine)


def run_batch(request: BatchRequest) -> BatchOutcome:
    """Raises InputError for an unusable INPUT or output folder, ManifestError/RubricError for a
    broken grader set-up, AssignmentError when the assignment is unknown or cannot be
    inferred, KeyboardInterrupt when interrupted (completed results stay)."""
    started = time.monotonic()
    results: dict[str, GradeResult] = {}
    digests: dict[str, str] = {}     # student id -> what was graded (kept in <student>.json)
    roster = _roster(request)
    with tempfile.TemporaryDirectory(prefix="autograder-batch-") as scratch:
        students = _students(Path(request.input), Path(scratch))
        references = _similarity_references(request, Path(scratch))
        assignment = choose_for_class(request.assignment, [s.path for s in students])
        rubric = load_rubric(request.rubric_path or assignment.rubric_path)
        suite, suite_names = resolve_suites(request.suite, assignment.data_dir)
        key = grader_key(suite, rubric.path, assignment.data_dir)
        out = _output_folder(request.out, request.input)
        record_class(out, rubric, assignment)   # the gradebook's hand scores survive reruns
        pending = []
        for student in students:
            reused = None if request.force else _reusable(out, student, key, assignment)
            if reused is None:
                pending.append(student)
            else:
                results[student.id], digests[student.id] = reused
                _copy_for_review(student, assignment, rubric, out)
        progress = Progress(len(students), len(results), request.progress)
        progress.show()
        job_temp = scratch_root(request.jobs)

        def grade_one(student: Student):   # runs in the job's own process
            return _grade(student, suite, assignment, rubric, job_temp)

        def record(student: Student, answer, exitcode) -> None:
            if answer is None:
                digest = ""
                result = error_result(rubric.items, rubric.cap,
                                      "internal grader error", submission=student.shown,
                                      suite=suite, output=f"the grading process died "
                                      f"(exit code {exitcode})")
            else:
                digest, result = answer
            result.submission = student.shown
            _write_student(out, student, result, digest, key)
            _copy_for_review(student, assignment, rubric, out)
            results[student.id], digests[student.id] = result, digest
            progress.advance()

        if pending:
            preload_grader()
            preload_assignment(assignment, suite_names)
        try:
            run_each(pending, grade_one, max(1, request.jobs), record)
        finally:
            progress.finish()
        # The automatic results with the gradebook's hand scores (final grades, cap after
        # hand grading); a submission that changed since it was hand-graded is flagged.
        graded = final_results([submission(out, s.id, results[s.id], digests.get(s.id, ""))
                                for s in students], open_gradebook(out))
        # While a zip INPUT's students are still unpacked:
        similarity = _similarity(request, students, references, assignment, out)
    export = None
    if roster is not None:
        export = canvas.canvas_import(roster, graded, rubric,
                                      request.canvas_column or assignment.title)
    summary = write_class_files(out, rubric, graded, canvas_export=export,
                                canvas_path=request.canvas,
                                roster=str(request.roster) if request.roster else None,
                                extra={} if similarity is None else {"similarity": similarity})
    unconfined = sorted({flag for student in pending if student.id in results
                         for flag in results[student.id].flags
                         if flag.startswith(UNCONFINED_FLAG + ":")})
    return BatchOutcome(len(students), len(pending), len(students) - len(pending),
                        summary["grader_errors"], time.monotonic() - started, export, similarity,
                        unconfined)


def _roster(request: BatchRequest) -> canvas.Roster | None:
    """The Canvas roster when an import is asked for; InputError for unusable flags or files."""
    if request.canvas is None and request.roster is None:
        if request.canvas_column is not None:
            raise InputError("--canvas-column needs --canvas")
        return None
    if request.canvas is None or request.roster is None:
        raise InputError("--roster and --canvas go together: the roster is the Canvas "
                         "gradebook export, --canvas the import file to write")
    canvas.check_output(request.canvas)
    return canvas.read_roster(request.roster)


def _similarity(request: BatchRequest, students: list[Student], references: list[Student],
                assignment: Assignment, out: Path) -> dict | None:
    """The similarity report's summary (its files go to ``out``), or None without the flag."""
    if not request.similarity:
        return None
    from autograder.similarity import SimilarityError, run_similarity
    try:
        return run_similarity(students, assignment, out, references=references)
    except SimilarityError as exc:
        raise InputError(f"--similarity: {exc}") from None


def _similarity_references(request: BatchRequest, scratch: Path) -> list[Student]:
    """--against's entries, once copydetect is known to be there; nothing without --similarity."""
    if not request.similarity:
        if request.against is not None:
            raise InputError("--against needs --similarity")
        return []
    from autograder.similarity import SimilarityError
    from autograder.similarity.run import require_copydetect
    try:
        require_copydetect()
    except SimilarityError as exc:
        raise InputError(f"--similarity: {exc}") from None
    if request.against is None:
        return []
    try:
        return _students(Path(request.against), scratch / "against")
    except InputError as exc:
        raise InputError(f"--against: {exc}") from None


def _grade(student: Student, suite: str, assignment: Assignment, rubric: Rubric,
           scratch_dir: str | None) -> tuple[str, GradeResult]:
    digest = submission_hash(student.path, assignment.shape)
    try:
        result = grade_submission(GradeRequest(student.path, assignment, suite, rubric,
                                               scratch_dir=scratch_dir))
    except Exception as exc:  # noqa: BLE001  (a grader bug costs this student, not the batch)
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        result = error_result(rubric.items, rubric.cap, "internal grader error",
                              submission=student.shown, suite=suite, output=detail)
    return digest, result


def _students(source: Path, scratch: Path) -> list[Student]:
    if source.is_dir():
        return find_students(source, str(source))
    if not source.exists():
        raise InputError(f"{source}: no such file or folder")
    if source.is_file() and archive_suffix(source.name):
        return find_students(unpack_class_archive(source, scratch / "class"), str(source))
    raise InputError(f"{source}: expected a folder with one entry per student, or a .zip of "
                     f"such entries")


def _output_folder(out: Path, source: Path) -> Path:
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} is a file; give a folder")
    resolved, inside = out.resolve(), Path(source).resolve()
    if resolved == inside or inside in resolved.parents:
        raise InputError(f"--out {out} is inside the input {source}; put the results elsewhere")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-")
        probe.close()
    except OSError as exc:
        raise InputError(f"cannot write to --out {out}: {exc.strerror}") from None
    _remove_stale_temporaries(out)
    return out


def _remove_stale_temporaries(out: Path) -> None:
    """Temporary files an earlier batch left when it was killed mid-write (.<name>.<rnd>.tmp)."""
    for entry in out.iterdir():
        if entry.name.startswith(".") and entry.name.endswith(".tmp") and entry.is_file():
            entry.unlink(missing_ok=True)


NOTEBOOKS_DIR = "notebooks"   # out/notebooks/<student>/<notebook>.html: the hand graders'


def _write_student(out: Path, student: Student, result: GradeResult, digest: str,
                   key: str) -> None:
    if result.exports:
        # The notebooks' HTML exports go next to the report, which keeps their paths (relative
        # to the batch folder), so the row awaiting hand grading can link them.
        pages = {name: page for name, page in result.exports.items() if is_page(page)}
        written = write_exports(out / NOTEBOOKS_DIR / student.id, pages)
        result.exports = {**result.exports,
                          **{name: os.path.relpath(path, out) for name, path in written.items()}}
    data = to_json(result)
    data[BATCH_KEY] = {"student": student.id, "submission_sha256": digest, "grader_key": key}
    write_text(out / f"{student.id}.json",
               json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def _copy_for_review(student: Student, assignment: Assignment, rubric: Rubric,
                     out: Path) -> None:
    """The deliverables a hand grader reads (out/files/<student>/), when the rubric has a
    hand-graded item; on every run, reused results included: a new report alone changes what
    the hand grader saw (the gradebook flags it), not what the code scores."""
    if any(item.manual for item in rubric.items):
        copy_deliverables(Path(student.path), assignment.shape, out, student.id)


def _reusable(out: Path, student: Student, key: str, assignment: Assignment
              ) -> tuple[GradeResult, str] | None:
    """The stored result, if it was graded completely from this very submission and grader."""
    try:
        data = json.loads((out / f"{student.id}.json").read_text(encoding="utf-8"))
        stored = data[BATCH_KEY]
        if (data.get("status") != "graded" or stored.get("grader_key") != key
                or not stored.get("submission_sha256")):
            return None
        if stored["submission_sha256"] != submission_hash(student.path, assignment.shape):
            return None
        result = GradeResult.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ResultFormatError):
        return None
    result.submission = student.shown
    return result, stored["submission_sha256"]
