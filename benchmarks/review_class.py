"""A graded class to try the review page on (and to time it), without grading anything: the
output folder a `batch` of cw3 would leave, made from synthetic results.

    python benchmarks/review_class.py DEST --count 200 [--seed 0]

Each student gets ``DEST/<student>.json`` (cw3's rubric: every automatic item with one case per
point, a few failed with messages; the hand-graded ``report`` awaiting), a small report PDF in
``DEST/files/<student>/`` and the batch's gradebook record. Used by benchmarks/bench_review.py
and by the review tests (tests/test_review_*.py).
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.assignments import discover  # noqa: E402
from autograder.batch.deliverables import FILES_DIR  # noqa: E402
from autograder.grade.rubric import load_rubric  # noqa: E402
from autograder.grade.score import graded_result, scored_item  # noqa: E402
from autograder.gradebook.final import BATCH_KEY, record_class  # noqa: E402
from autograder.results import to_json  # noqa: E402
from autograder.results.model import CaseResult, ItemResult  # noqa: E402

ASSIGNMENT = "cw3"


def tiny_pdf(text: str) -> bytes:
    """A one-page PDF showing ``text`` (ASCII), with a correct cross-reference table."""
    text = text.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 18 Tf 40 120 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 200] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def student_result(rubric, rng: random.Random, student: str):
    items = []
    for spec in rubric.items:
        if spec.manual:
            items.append(ItemResult(spec.id, spec.name, 0.0, spec.points, spec.bonus, [],
                                    manual=True))
            continue
        cases = []
        for k in range(max(1, int(spec.points))):
            passed = rng.random() > 0.15
            cases.append(CaseResult(f"{spec.id}_{k}", passed, hidden=k % 3 == 2,
                                    message="" if passed else
                                    f"{spec.id}: output differs from the reference at "
                                    f"[{k}, 0]: got {rng.uniform(-1, 1):.4f}, expected "
                                    f"{rng.uniform(-1, 1):.4f} (rtol 1e-6)"))
        items.append(scored_item(spec, cases))
    return graded_result(items, rubric.cap, suite="all", submission=f"submissions/{student}.zip")


def make_review_class(dest: Path, count: int, seed: int = 0, pdfs: bool = True) -> list[str]:
    """Write the class into ``dest``; returns the student ids in order."""
    assignment = discover()[ASSIGNMENT]
    rubric = load_rubric(assignment.rubric_path)
    rng = random.Random(seed)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    students = [f"s{n:04d}" for n in range(1, count + 1)]
    for student in students:
        data = to_json(student_result(rubric, rng, student))
        data[BATCH_KEY] = {"student": student, "submission_sha256": f"code:{rng.getrandbits(64):016x}",
                           "grader_key": "synthetic"}
        (dest / f"{student}.json").write_text(json.dumps(data, indent=2) + "\n")
        if pdfs:
            folder = dest / FILES_DIR / student
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "report.pdf").write_bytes(tiny_pdf(f"Report of {student}"))
    record_class(dest, rubric, assignment)
    return students


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    make_review_class(args.dest, args.count, args.seed)
    print(f"wrote a graded class of {args.count} to {args.dest}")


if __name__ == "__main__":
    main()
