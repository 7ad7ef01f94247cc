"""Grading the solution end to end vs a bare pytest run, in one run (issue 3's benchmark).

    python benchmarks/bench_grade.py [--repeats 5] [--assignment NAME ...]

Both are whole commands started the same way (a fresh interpreter each time), interleaved so
that machine noise hits both alike; BLAS threads are pinned to one. Prints a markdown table of
medians and the ratio. Target: grading <= 3x the bare pytest run.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRIVIAL_TEST = "def test_trivial():\n    assert 1 + 1 == 2\n"


def timed(command: list[str], cwd: Path, env: dict) -> float:
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"bench_grade: {' '.join(command)} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--assignment", nargs="*", default=None,
                        help="whose solution to grade (default: every assignment)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from autograder.assignments import discover
    names = args.assignment or sorted(discover())
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    # The grader byte-compiled, as installed (pip compiles pytest; the Gradescope image compiles
    # the grader): the warm-up run below writes its __pycache__.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "test_trivial.py").write_text(TRIVIAL_TEST)
        bare = [sys.executable, "-m", "pytest", "-q", "--json-report",
                f"--json-report-file={tmp / 'report.json'}", "-p", "no:cacheprovider",
                str(tmp / "test_trivial.py")]
        bare_name = "bare pytest --json-report (1 trivial test)"
        grades = {f"grade {name} solution (all suites)":
                  [sys.executable, "-m", "autograder", "grade", str(ROOT / "solution" / name),
                   "--assignment", name, "--suite", "all", "--json",
                   str(tmp / f"result-{name}.json")] for name in names}
        times = {bare_name: [], **{label: [] for label in grades}}
        for command in grades.values():
            timed(command, ROOT, env)  # warm the file cache once
        for _ in range(args.repeats):
            times[bare_name].append(timed(bare, tmp, env))
            for label, command in grades.items():
                times[label].append(timed(command, ROOT, env))
        results = {name: json.loads((tmp / f"result-{name}.json").read_text()) for name in names}
    medians = {k: statistics.median(v) for k, v in times.items()}
    base = medians[bare_name]
    print(f"| command | median s ({args.repeats} runs) | ratio |")
    print("|---|---:|---:|")
    for label, value in medians.items():
        print(f"| {label} | {value:.3f} | {value / base:.2f}x |")
    print()
    for name, result in results.items():
        cases = sum(len(item["cases"]) for item in result["items"])
        ratio = medians[f"grade {name} solution (all suites)"] / base
        print(f"{name}: {cases} cases graded, score {result['score']}/{result['max_score']}; "
              f"grading / bare pytest = {ratio:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()
