"""Batch throughput: 100 planted-bug variants of an assignment's solution graded with --jobs 2
and --jobs 1, in one run (issue 7's benchmark; issue 12: for every assignment).

    python benchmarks/bench_batch.py [--assignment hw1] [--count 100] [--repeats 1] [--disk]
                                     [--hanging 5]

Each configuration is the whole command (`python -m autograder batch ... --force`) started the
same way; configurations are interleaved in every repeat, with a bare `pytest --json-report`
start (benchmarks/bare_pytest.py), so that machine noise hits them alike; BLAS threads are
pinned to one. Reports submissions per minute (median over repeats), wall seconds per
submission as a multiple of the bare pytest start, the speed-up of --jobs 2 over --jobs 1, and
the CPU seconds spent per submission (this process's children, the whole tree of graders and
sandboxes included). The batch keeps its scratch files on /dev/shm when that is a roomy tmpfs;
--disk adds a --jobs 2 run with TMPDIR=/tmp, to show what the same files cost on the disk.
--hanging P (default 5; 0: none) adds a --jobs 2 run of the same class in which P% of the
students also have an endless loop in one method (the assignment's hostile corpus's
ENDLESS_LOOP), and reports its seconds per submission against the clean class's (issue 19:
a hang costs seconds, from the time limits derived from the references).
Target (issue 16): with --jobs 2 on the 2-core machine, <= 1.2x a bare pytest start per
submission.
"""
from __future__ import annotations

import argparse
import csv
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bare_pytest import bare_pytest_command, timed  # noqa: E402  (benchmarks/, this folder)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.mutants.runner import apply, catalogue  # noqa: E402  (needs ROOT on the path)

TARGET_RATIO = 1.2   # wall seconds per submission with --jobs 2 / a bare pytest start

# Planted bugs from the mutation suite's catalogue, each costing a different rubric item (for
# another assignment: its first mutant of each item, up to 12).
HW1_BUG_IDS = [
    "sigmoid_derivative_returns_state", "tanh_derivative_not_squared",
    "relu_max_instead_of_maximum", "relu_derivative_one_at_zero",
    "sce_derivative_divided_by_batch", "sce_without_max_shift", "bn_backward_dbeta_mean",
    "backward_sum_not_mean", "backward_db_mean_over_batch", "zero_grads_rebinds_a_local",
    "leaky_relu_derivative_zero_for_negatives", "weight_decay_wrong_sign",
]


def planted_bugs(name: str) -> list:
    mutants = catalogue(name)
    if name == "hw1":
        by_id = {m.id: m for m in mutants}
        return [by_id[bug_id] for bug_id in HW1_BUG_IDS]
    chosen, items = [], set()
    for m in mutants:
        if not set(m.targets) & items and len(chosen) < 12:
            chosen.append(m)
            items |= set(m.targets)
    return chosen


def make_class(folder: Path, count: int, name: str) -> None:
    """``count`` students; student k carries bug k mod len(bugs) and, from the second round
    on, a second bug too, so that scores spread over the range."""
    from autograder.assignments import discover
    package = discover()[name].shape.package
    bugs = planted_bugs(name)
    for k in range(count):
        chosen = {k % len(bugs)}
        if k >= len(bugs):
            chosen.add((k // len(bugs) + k) % len(bugs))
        first, *also = (bugs[index] for index in sorted(chosen))
        student = apply(first, folder / f"student{k:03d}", also, name=name)
        with open(student / package / "__init__.py", "a") as init:
            init.write(f"\n# variant {k}\n")   # every submission distinct


def make_hanging_class(clean: Path, folder: Path, percent: float, name: str) -> int:
    """A copy of the class ``clean`` in which every (100 / percent)-th student also carries
    the assignment's ENDLESS_LOOP attack. Returns how many hang."""
    import shutil
    sys.path.insert(0, str(ROOT / "tests"))
    from support import own_module   # noqa: E402  (tests/, for the hostile corpus)
    loop = own_module(name, "hostile_corpus").ENDLESS_LOOP
    from autograder.assignments import discover
    package = discover()[name].shape.package
    shutil.copytree(clean, folder)
    students = sorted(folder.iterdir())
    step = max(1, round(100 / percent))
    hanging = students[step // 2::step]
    for student in hanging:
        path = student / package / loop.file
        code = loop.code.format(**dict(loop.fill))
        path.write_text(path.read_text() + "\n\n" + code)
    return len(hanging)


def timed_batch(entries: Path, out: Path, jobs: int, env: dict, name: str
                ) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the whole process tree)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "autograder", "batch", str(entries),
                           "--out", str(out), "--jobs", str(jobs), "--force",
                           "--assignment", name],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"bench_batch: batch --jobs {jobs} failed:\n{proc.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="hw1", help="whose solution to plant bugs in")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--disk", action="store_true",
                        help="also run --jobs 2 with the scratch files in /tmp")
    parser.add_argument("--hanging", type=float, default=5.0,
                        help="also run --jobs 2 on the class with this percentage of hanging "
                             "submissions (0: not)")
    args = parser.parse_args()
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.pop("PYTHONPATH", None)
    configs = {"--jobs 2": (2, env), "--jobs 1": (1, env)}
    if args.disk:
        configs["--jobs 2, TMPDIR=/tmp"] = (2, dict(env, TMPDIR="/tmp"))
    walls = {name: [] for name in configs}
    cpus = {name: [] for name in configs}
    bare_walls = []
    hanging_name = f"--jobs 2, {args.hanging:g}% hanging"
    hanging = 0
    if args.hanging > 0:
        configs[hanging_name] = (2, env)
        walls[hanging_name], cpus[hanging_name] = [], []
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        tmp = Path(tmp)
        make_class(tmp / "class", args.count, args.assignment)
        if args.hanging > 0:
            hanging = make_hanging_class(tmp / "class", tmp / "hanging", args.hanging,
                                         args.assignment)
        (tmp / "bare").mkdir()
        bare = bare_pytest_command(tmp / "bare")
        for repeat in range(args.repeats):
            for _ in range(3):  # a short command: three samples against each batch run
                bare_walls.append(timed(bare, tmp / "bare", env))
            for name, (jobs, config_env) in configs.items():
                entries = tmp / ("hanging" if name == hanging_name else "class")
                out = tmp / f"out-{list(configs).index(name)}-{len(walls[name])}"
                wall, cpu = timed_batch(entries, out, jobs, config_env, args.assignment)
                walls[name].append(wall)
                cpus[name].append(cpu)
                print(f"repeat {repeat + 1}: {name}: {wall:.1f} s", file=sys.stderr)
        with open(next(tmp.glob("out-0-*")) / "grades.csv", newline="") as stream:
            totals = sorted(float(row["total"]) for row in csv.DictReader(stream))
    n = args.count
    rate = {name: 60.0 * n / statistics.median(w) for name, w in walls.items()}
    print(f"{args.assignment}: {n} planted-bug variants of the solution, {args.repeats} repeat(s), "
          f"{os.cpu_count()} cores; totals from {totals[0]:g} to {totals[-1]:g} "
          f"(median {statistics.median(totals):g})")
    print()
    print("| configuration | median wall s | submissions/min | CPU s per submission |")
    print("|---|---:|---:|---:|")
    for name in configs:
        print(f"| {name} | {statistics.median(walls[name]):.1f} | {rate[name]:.1f} | "
              f"{statistics.median(cpus[name]) / n:.2f} |")
    speedup = rate["--jobs 2"] / rate["--jobs 1"]
    bare_seconds = statistics.median(bare_walls)
    ratio = statistics.median(walls["--jobs 2"]) / n / bare_seconds
    print()
    print(f"speed-up of --jobs 2 over --jobs 1: {speedup:.2f}x")
    print(f"bare pytest start: {bare_seconds:.3f} s (median of {len(bare_walls)}); --jobs 2 "
          f"spends {ratio:.2f}x that per submission")
    verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
    print(f"target <= {TARGET_RATIO:g}x a bare pytest start per submission with --jobs 2: "
          f"{verdict}")
    if hanging:
        clean = statistics.median(walls["--jobs 2"]) / n
        hung = statistics.median(walls[hanging_name]) / n
        extra = (statistics.median(walls[hanging_name]) - statistics.median(walls["--jobs 2"]))
        print(f"with {hanging} of {n} submissions hanging ({args.hanging:g}%): {hung:.2f} s per "
              f"submission against {clean:.2f} s for the clean class ({hung / clean:.2f}x); "
              f"each hanging submission adds {extra / hanging:.1f} s of wall time at --jobs 2")


if __name__ == "__main__":
    main()
