"""The batch itself: find the students, reuse what is already graded, grade the rest in
parallel, then write the class files. Every file is written atomically, so an interruption
leaves only complete per-student results, and rerunning the same command resumes."""
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

from autograder.batch.fingerprint import grader_key, submission_hash
from autograder.batch.inputs import InputError, Student, find_students, unpack_class_archive
from autograder.batch.plot import write_report
from autograder.batch.pool import run_each
from autograder.batch.preload import preload_grader
from autograder.batch.progress import Progress
from autograder.scratch import scratch_root
from autograder.batch.summary import summarize, write_summary
from autograder.grade.engine import GradeRequest, grade_submission, resolve_suites
from autograder.grading.rubric import Rubric
from autograder.manifest import DATA_DIR
from autograder.results import error_result, to_json, write_csv
from autograder.results.atomic import write_text
from autograder.results.model import GradeResult, ResultFormatError
from autograder.submission.unpack import archive_suffix

GRADES_CSV, SUMMARY_JSON, REPORT_PNG = "grades.csv", "summary.json", "report.png"
BATCH_KEY = "batch"   # extra key of <student>.json: what the result was graded from


@dataclass
class BatchRequest:
    input: Path
    out: Path
    rubric: Rubric
    jobs: int = os.cpu_count() or 1
    suite: str | None = None
    force: bool = False
    data_dir: Path = DATA_DIR
    progress: TextIO = field(default_factory=lambda: sys.stderr)


@dataclass
class BatchOutcome:
    students: int
    graded: int           # graded in this run
    reused: int           # results kept from an earlier run
    grader_errors: list[str]
    seconds: float


def run_batch(request: BatchRequest) -> BatchOutcome:
    """Raises InputError for an unusable INPUT or output folder, ManifestError/RubricError for a
    broken grader set-up, KeyboardInterrupt when interrupted (completed results stay)."""
    started = time.monotonic()
    suite, _ = resolve_suites(request.suite, request.data_dir)
    key = grader_key(suite, request.rubric.path, request.data_dir)
    results: dict[str, GradeResult] = {}
    with tempfile.TemporaryDirectory(prefix="autograder-batch-") as scratch:
        students = _students(Path(request.input), Path(scratch))
        out = _output_folder(request.out, request.input)
        pending = []
        for student in students:
            reused = None if request.force else _reusable(out, student, key)
            if reused is None:
                pending.append(student)
            else:
                results[student.id] = reused
        progress = Progress(len(students), len(results), request.progress)
        progress.show()
        job_temp = scratch_root(request.jobs)

        def grade_one(student: Student):   # runs in the job's own process
            if job_temp:
                tempfile.tempdir = job_temp
            return _grade(student, suite, request)

        def record(student: Student, answer, exitcode) -> None:
            if answer is None:
                digest = ""
                result = error_result(request.rubric.items, request.rubric.cap,
                                      "internal grader error", submission=student.shown,
                                      suite=suite, output=f"the grading process died "
                                      f"(exit code {exitcode})")
            else:
                digest, result = answer
            result.submission = student.shown
            _write_student(out, student, result, digest, key)
            results[student.id] = result
            progress.advance()

        if pending:
            preload_grader()
        try:
            run_each(pending, grade_one, max(1, request.jobs), record)
        finally:
            progress.finish()
    graded = [(student.id, results[student.id]) for student in students]
    write_csv(out / GRADES_CSV, [item.id for item in request.rubric.items], graded)
    summary = summarize(request.rubric, graded)
    write_summary(out / SUMMARY_JSON, summary)
    write_report(out / REPORT_PNG, summary, [r.score for _, r in graded if r.status == "graded"])
    return BatchOutcome(len(students), len(pending), len(students) - len(pending),
                        summary["grader_errors"], time.monotonic() - started)


def _grade(student: Student, suite: str, request: BatchRequest) -> tuple[str, GradeResult]:
    digest = submission_hash(student.path)
    try:
        result = grade_submission(GradeRequest(student.path, suite, request.rubric,
                                               request.data_dir))
    except Exception as exc:  # noqa: BLE001  (a grader bug costs this student, not the batch)
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        result = error_result(request.rubric.items, request.rubric.cap, "internal grader error",
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


def _write_student(out: Path, student: Student, result: GradeResult, digest: str,
                   key: str) -> None:
    data = to_json(result)
    data[BATCH_KEY] = {"student": student.id, "submission_sha256": digest, "grader_key": key}
    write_text(out / f"{student.id}.json",
               json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def _reusable(out: Path, student: Student, key: str) -> GradeResult | None:
    """The stored result, if it was graded completely from this very submission and grader."""
    try:
        data = json.loads((out / f"{student.id}.json").read_text(encoding="utf-8"))
        stored = data[BATCH_KEY]
        if (data.get("status") != "graded" or stored.get("grader_key") != key
                or not stored.get("submission_sha256")):
            return None
        if stored["submission_sha256"] != submission_hash(student.path):
            return None
        result = GradeResult.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ResultFormatError):
        return None
    result.submission = student.shown
    return result
