"""Batch throughput: 100 planted-bug variants of the solution graded with --jobs 2 and --jobs 1,
in one run (issue 7's benchmark).

    python benchmarks/bench_batch.py [--count 100] [--repeats 1] [--disk]

Each configuration is the whole command (`python -m autograder batch ... --force`) started the
same way; configurations are interleaved in every repeat so that machine noise hits them alike;
BLAS threads are pinned to one. Reports submissions per minute (median over repeats), the
speed-up of --jobs 2 over --jobs 1, and the CPU seconds spent per submission (this process's
children, the whole tree of graders and sandboxes included). The batch keeps its scratch files
on /dev/shm when that is a roomy tmpfs; --disk adds a --jobs 2 run with TMPDIR=/tmp, to show
what the same files cost on the disk.
Target: >= 100 submissions per minute with --jobs 2 on the 2-core machine.
"""
from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_PER_MINUTE = 100.0

# (file in mlp/, text in the solution, planted bug): each costs a different rubric item.
BUGS = [
    ("activations.py", "return self.state * (1.0 - self.state)", "return self.state * (1.0 + self.state)"),
    ("activations.py", "return 1.0 - self.state * self.state", "return 1.0 - self.state"),
    ("activations.py", "np.maximum(x, 0.0)", "np.maximum(x, 0.1)"),
    ("activations.py", "(self.state > 0.0).astype(np.float64)", "(self.state >= 0.0).astype(np.float64)"),
    ("loss.py", "return self.sm - self.labels", "return self.labels - self.sm"),
    ("loss.py", "shifted = x - x.max(axis=1, keepdims=True)", "shifted = x"),
    ("batchnorm.py", "self.dbeta = delta.sum(axis=0, keepdims=True)",
     "self.dbeta = delta.mean(axis=0, keepdims=True)"),
    ("mlp.py", "delta = self.criterion.derivative() / labels.shape[0]",
     "delta = self.criterion.derivative()"),
    ("mlp.py", "self.db[i] = delta.sum(axis=0).reshape(self.b[i].shape)",
     "self.db[i] = delta.mean(axis=0).reshape(self.b[i].shape)"),
    ("mlp.py", "grad.fill(0.0)", "pass"),
    ("activations.py", "np.where(self.state > 0.0, 1.0, self.alpha)",
     "np.where(self.state > 0.0, 1.0, 0.0)"),
    ("mlp.py", "grad_W = grad_W + self.weight_decay * self.W[i]",
     "grad_W = grad_W - self.weight_decay * self.W[i]"),
]


def make_class(folder: Path, count: int) -> None:
    """``count`` students; student k carries bug k mod len(BUGS) and, from the second round on,
    a second bug too, so that scores spread over the range."""
    for k in range(count):
        student = folder / f"student{k:03d}"
        shutil.copytree(ROOT / "solution" / "mlp", student / "mlp",
                        ignore=shutil.ignore_patterns("__pycache__"))
        chosen = {k % len(BUGS)}
        if k >= len(BUGS):
            chosen.add((k // len(BUGS) + k) % len(BUGS))
        for index in sorted(chosen):
            name, old, new = BUGS[index]
            path = student / "mlp" / name
            text = path.read_text()
            if old not in text:
                sys.exit(f"bench_batch: the solution changed; {old!r} is not in {name}")
            path.write_text(text.replace(old, new, 1) + f"\n# variant {k}\n")


def timed_batch(entries: Path, out: Path, jobs: int, env: dict) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the whole process tree)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "autograder", "batch", str(entries),
                           "--out", str(out), "--jobs", str(jobs), "--force"],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"bench_batch: batch --jobs {jobs} failed:\n{proc.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--disk", action="store_true",
                        help="also run --jobs 2 with the scratch files in /tmp")
    args = parser.parse_args()
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.pop("PYTHONPATH", None)
    configs = {"--jobs 2": (2, env), "--jobs 1": (1, env)}
    if args.disk:
        configs["--jobs 2, TMPDIR=/tmp"] = (2, dict(env, TMPDIR="/tmp"))
    walls = {name: [] for name in configs}
    cpus = {name: [] for name in configs}
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        tmp = Path(tmp)
        make_class(tmp / "class", args.count)
        for repeat in range(args.repeats):
            for name, (jobs, config_env) in configs.items():
                wall, cpu = timed_batch(tmp / "class", tmp / f"out-{jobs}-{len(walls[name])}",
                                        jobs, config_env)
                walls[name].append(wall)
                cpus[name].append(cpu)
                print(f"repeat {repeat + 1}: {name}: {wall:.1f} s", file=sys.stderr)
        with open(next(tmp.glob("out-2-*")) / "grades.csv", newline="") as stream:
            totals = sorted(float(row["total"]) for row in csv.DictReader(stream))
    n = args.count
    rate = {name: 60.0 * n / statistics.median(w) for name, w in walls.items()}
    print(f"{n} planted-bug variants of the solution, {args.repeats} repeat(s), "
          f"{os.cpu_count()} cores; totals from {totals[0]:g} to {totals[-1]:g} "
          f"(median {statistics.median(totals):g})")
    print()
    print("| configuration | median wall s | submissions/min | CPU s per submission |")
    print("|---|---:|---:|---:|")
    for name in configs:
        print(f"| {name} | {statistics.median(walls[name]):.1f} | {rate[name]:.1f} | "
              f"{statistics.median(cpus[name]) / n:.2f} |")
    speedup = rate["--jobs 2"] / rate["--jobs 1"]
    print()
    print(f"speed-up of --jobs 2 over --jobs 1: {speedup:.2f}x")
    verdict = "met" if rate["--jobs 2"] >= TARGET_PER_MINUTE else "MISSED"
    print(f"target >= {TARGET_PER_MINUTE:g} submissions/min with --jobs 2: {verdict}")


if __name__ == "__main__":
    main()
