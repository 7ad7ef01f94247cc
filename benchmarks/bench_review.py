"""The review page on a class of 200 (issue 20's benchmark): the overview's render and a save.

    python benchmarks/bench_review.py [--count 200] [--repeats 15]

A synthetic graded class (benchmarks/review_class.py: cw3's rubric, a report PDF each, a third
of the reports already hand-graded) is served by the real app through Flask's test client, so
the numbers are the app's own work (routing, the token, reading the gradebook, Jinja), not a
socket's. Prints medians (and the worst run) of:
- the overview of the whole class: from the app's start (every result file read) to its first
  overview, and later overviews (results kept until a file changes);
- saving a score through the JSON API (one SQLite transaction: read the version, write the
  mark and its history row) and through the store alone.
Targets: the overview <= 1 s, a save <= 50 ms.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from review_class import make_review_class  # noqa: E402

from autograder.gradebook.store import Gradebook  # noqa: E402
from autograder.review.app import ReviewConfig, create_app  # noqa: E402

TOKEN = "bench"


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        batch_dir = Path(scratch) / "results"
        students = make_review_class(batch_dir, args.count, seed=0)
        book = Gradebook.open(batch_dir)
        for student in students[::3]:
            book.save(student, "report", score=7.5, comment="Good sweep; discuss CW2 more.",
                      grader="bench", read_version=0, submission="", max_score=10)
        cold, warm = [], []
        for _ in range(args.repeats):
            clients = []
            cold.append(timed(lambda: clients.append(_started(batch_dir))))
            client = clients[0]
            warm.append(timed(lambda: _ok(client.get("/"))))
        api, store = [], []
        for n in range(args.repeats):
            student = students[1 + 3 * n]      # not graded yet: version 0
            position = students.index(student) + 1
            api.append(timed(lambda: _ok(client.post(
                f"/api/marks/{position}/report",
                json={"score": 6.5, "comment": "Saved by the benchmark.", "version": 0}))))
            store.append(timed(lambda: book.save(
                student, "report", score=7, comment="again", grader="bench", read_version=1,
                submission="", max_score=10)))
    rows = [(f"start and first overview of {args.count} (reads every result)", cold, 1.0),
            (f"overview of {args.count}, later requests", warm, 1.0),
            ("save a score (JSON API)", api, 0.050),
            ("save a score (gradebook store alone)", store, 0.050)]
    print("| what | median | worst | target |\n|---|---|---|---|")
    for label, values, target in rows:
        print(f"| {label} | {statistics.median(values) * 1000:.1f} ms | "
              f"{max(values) * 1000:.1f} ms | <= {target * 1000:g} ms |")


def _started(batch_dir: Path):
    """A fresh app (it reads every result file) and its first overview."""
    client = create_app(ReviewConfig(batch_dir, token=TOKEN)).test_client()
    _ok(client.get(f"/?token={TOKEN}"))
    return client


def _ok(response):
    if response.status_code != 200:
        raise SystemExit(f"bench_review: {response.status_code} {response.get_data(as_text=True)[:200]}")
    return response


if __name__ == "__main__":
    main()
