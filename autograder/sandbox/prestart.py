"""Start the sandbox's worker before its job is known, so that its start-up (a fresh Python and
NumPy, about 0.1 s of CPU) overlaps the grader's own: its imports, the plan, the intake.

A started worker imports NumPy and then waits for its job on stdin; ``run_cases`` hands it the
job of its first run (runner.py). Nothing of the submission exists yet when it starts, and
nothing runs in it before the job has confined it as usual (worker.py). Light on imports: the
`grade` command starts one before importing the rest of the grader.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "worker.py")


def worker_env(home: str) -> dict[str, str]:
    """The worker's whole environment (nothing of the grader's is passed on)."""
    return {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}


def worker_command(script: str = WORKER, preload_from: str | None = None) -> list[str]:
    """``python -I -S worker.py``; with ``preload_from`` (the folder holding NumPy) the worker
    imports NumPy from there before it reads its job."""
    return [sys.executable, "-I", "-S", script, *([preload_from] if preload_from else [])]


class StartedWorker:
    """A worker process waiting for its job: ``take()`` it once (None if it has died), and
    ``close()`` it in any case (a context manager), which kills it unless it was taken."""

    def __init__(self, process: subprocess.Popen, private_dir: str, script: str = WORKER):
        self.process = process
        self.script = script              # the worker program it runs
        self.private_dir = private_dir
        self.stderr_path = os.path.join(private_dir, "worker-stderr.log")
        self.taken = False

    def take(self, script: str = WORKER) -> subprocess.Popen | None:
        """The process, if it runs ``script`` and has not been taken or died."""
        if self.taken or script != self.script:
            return None
        self.taken = True
        if self.process.poll() is not None:   # it could not even start: a fresh one will
            return None
        return self.process

    def close(self) -> None:
        if not self.taken:
            self.taken = True
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.process.kill()
            self.process.wait()
            for stream in (self.process.stdin, self.process.stdout):
                if stream:
                    stream.close()
        shutil.rmtree(self.private_dir, ignore_errors=True)

    def __enter__(self) -> "StartedWorker":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def start_worker(scratch_dir: str | None = None) -> StartedWorker | None:
    """A worker started now, its stderr in a new private folder under ``scratch_dir`` (None:
    the temporary folder); None when it cannot be started (run_cases then starts its own)."""
    spec = importlib.util.find_spec("numpy")
    if spec is None or not spec.origin:
        return None
    numpy_parent = os.path.dirname(os.path.dirname(os.path.realpath(spec.origin)))
    private = tempfile.mkdtemp(prefix="autograder-trusted-", dir=scratch_dir)
    try:
        with open(os.path.join(private, "worker-stderr.log"), "ab") as stderr:
            process = subprocess.Popen(
                worker_command(WORKER, numpy_parent), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=stderr, cwd="/", env=worker_env("/"), start_new_session=True)
    except OSError:
        shutil.rmtree(private, ignore_errors=True)
        return None
    return StartedWorker(process, private)
