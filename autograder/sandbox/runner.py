"""The trusted side of the sandbox: start the worker, enforce the limits, read back plain arrays.

Nothing the worker writes is believed: events are parsed as JSON with every field checked,
arrays are loaded with ``allow_pickle=False`` and must be float64, and anything malformed
becomes a failed case with a reason. If the worker dies or hangs mid-case, that case fails and a
fresh worker runs the remaining ones, so one crash costs one case. If the submission cannot be
imported at all (the worker's import probe), every case fails at once with that reason.
"""
from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import importlib.util
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.npz import ArrayFileError, read_npz
from autograder.sandbox import confine
from autograder.sandbox.limits import Limits
from autograder.submission.imports import own_module_names

if TYPE_CHECKING:
    import numpy as np

WORKER = Path(__file__).with_name("worker.py")
PROBE = "import-probe"  # the name of the worker's import probe's files in out/
PACKAGE_DIR = Path(__file__).resolve().parent.parent  # autograder/
_GRACE_SECONDS = 5.0


@dataclass
class CaseOutcome:
    status: str                  # ok | not_implemented | error | timeout | memory | crashed
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    message: str = ""
    output: str = ""             # the case's stdout/stderr, truncated
    seconds: float = 0.0
    blocked_imports: list[str] = field(default_factory=list)


def run_cases(located, cases: list[dict], scenarios, limits: Limits | None = None,
              on_outcome=None) -> dict[str, CaseOutcome]:
    """Run every case (dicts with name, family, params) on a located submission, with the
    families of ``scenarios`` (an autograder.scenarios.ScenarioSource).

    ``on_outcome(name, outcome)``, if given, is called once per case as soon as its outcome is
    final (cases run in the order given), so the caller can judge while the rest still run."""
    limits = limits or Limits()
    outcomes: dict[str, CaseOutcome] = {}
    reported: set[str] = set()

    def report(name: str, outcome: CaseOutcome) -> None:
        if on_outcome is not None and name not in reported:
            reported.add(name)
            on_outcome(name, outcome)
    with _Workspace(located, limits, scenarios) as ws:
        deadline = time.monotonic() + limits.submission_seconds
        remaining = list(cases)
        solo: set[str] = set()  # cases to rerun one at a time to find which one stopped a worker
        while remaining:
            if time.monotonic() >= deadline:
                for case in remaining:
                    outcomes[case["name"]] = CaseOutcome(
                        "timeout", message="not run: the submission used up its total time "
                        f"limit ({limits.submission_seconds:g} s)")
                break
            batch = [c for c in remaining if c["name"] in solo] or remaining
            alone = bool(solo)
            finished, in_flight = ws.run_worker(
                batch, deadline, 1 if alone else limits.parallel_cases,
                1 if alone else limits.cases_per_process,
                # final at once unless its files were tampered with next to another case
                lambda name, outcome: None if not alone and name in ws.suspects
                else report(name, outcome))
            # A case whose result files vanished or were swapped may have been sabotaged by the
            # case running next to it: it is judged only on a run of its own.
            suspects = set() if alone else ws.suspects & set(finished)
            ws.suspects.clear()
            for name in suspects:
                del finished[name]
            solo |= suspects
            outcomes.update(finished)
            solo -= set(finished)
            if alone and in_flight:
                for name in in_flight:  # one case per process, one at a time: it was this one
                    outcomes[name] = ws.interrupted_outcome(name, deadline)
                    solo.discard(name)
            elif in_flight:
                # Innocent cases may be among them, and the culprit may not be: a process that
                # kills the worker can do it before the worker reports the case it has moved
                # on to. Each reruns alone; a culprit left out is caught on a later run.
                solo |= set(in_flight)
            elif not finished and not suspects:  # no case started: do not loop forever
                reason = ws.worker_error() or "the grading worker did not start"
                for case in remaining:
                    outcomes[case["name"]] = CaseOutcome("crashed", message=reason)
                break
            remaining = [c for c in remaining if c["name"] not in outcomes]
            for name, outcome in outcomes.items():
                report(name, outcome)
    return outcomes


def _sandbox_parent() -> str | None:
    """Where the sandbox's folder goes: the temporary folder, unless the sandbox user could
    not reach into it (as root with TMPDIR under /root, say); then the first shared one that it
    can. None: the temporary folder."""
    base = tempfile.gettempdir()
    if os.geteuid() != 0 or _others_can_enter(base):
        return None
    for shared in ("/dev/shm", "/tmp", "/var/tmp"):
        if _others_can_enter(shared) and os.access(shared, os.W_OK):
            return shared
    return None


def _others_can_enter(folder: str) -> bool:
    """Whether a user with no special rights can pass through ``folder`` and every folder above."""
    try:
        return confine.first_closed_folder(os.path.realpath(folder)) is None
    except OSError:
        return False


class _Workspace:
    """A scratch folder for one submission: a copy of its code, a minimal importable site, and
    an out folder. As root it belongs to a fresh unprivileged uid."""

    def __init__(self, located, limits: Limits, scenarios):
        self.located = located
        self.limits = limits
        self.scenarios = scenarios
        self.uid = None
        self.suspects: set[str] = set()  # finished cases whose result files were tampered with

    def __enter__(self):
        try:
            confine.set_subreaper()
        except OSError:
            pass
        # The sandbox may write only into code/ and out/. The folder holding them stays the
        # grader's, so nothing here can be swapped for a link the trusted side would follow.
        self.dir = Path(tempfile.mkdtemp(prefix="autograder-", dir=_sandbox_parent()))
        # Trusted-side files (the worker's stderr, copies of results being parsed): never
        # reachable by the sandbox user.
        self.private = Path(tempfile.mkdtemp(prefix="autograder-trusted-"))
        self.code = self.dir / "code"
        shutil.copytree(self.located.root, self.code, symlinks=False)
        self.site = self.dir / "site"
        self.site.mkdir()
        numpy_dir = _numpy_dir()
        for path in (numpy_dir, numpy_dir.with_name("numpy.libs")):
            if path.exists():
                (self.site / path.name).symlink_to(path)
        (self.site / "autograder").symlink_to(PACKAGE_DIR)
        # A copy of the assignment's case families: their folder may be unreadable to the
        # sandbox user (it sits with the instructor's grading spec).
        # Times are kept, so the bytecode compiled beside the families stays valid for the copy.
        families = self.site / self.scenarios.package
        shutil.copytree(self.scenarios.folder, families, ignore=shutil.ignore_patterns(".*"))
        for path in [families, *families.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)   # whatever the source's mode
        self.out = self.dir / "out"
        self.out.mkdir()
        self.stderr_path = self.private / "worker-stderr.log"
        if os.geteuid() == 0:
            self.uid = _free_uid(self.limits.sandbox_uid_base)
            os.chmod(self.dir, 0o711)
            for path in (self.code, self.out, *self.code.rglob("*")):
                os.lchown(path, self.uid, self.uid)
        else:
            os.chmod(self.dir, 0o700)
        self.out_fd = os.open(self.out, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        return self

    def __exit__(self, *exc_info):
        self._kill_everything()
        os.close(self.out_fd)
        shutil.rmtree(self.dir, ignore_errors=True)
        shutil.rmtree(self.private, ignore_errors=True)

    def _kill_everything(self, keep: frozenset[int] = frozenset()) -> None:
        if self.uid is not None:
            confine.kill_uid(self.uid)
        confine.kill_children(keep)

    def worker_error(self) -> str:
        try:
            text = self.stderr_path.read_text(errors="replace").strip()
        except OSError:
            return ""
        return text[-1500:]

    def run_worker(self, cases: list[dict], deadline: float, parallel: int, group_size: int,
                   on_collected=None):
        """Run ``cases`` in one worker until it finishes, dies or hangs; ``parallel`` processes
        at a time, each running up to ``group_size`` consecutive cases of one group (a case's
        ``group``, by default its family; grading groups by rubric item).

        Returns (finished outcomes, names of the cases it was running when it stopped early).
        When the worker's import probe fails, or the worker stops during it, every case is
        finished with that reason and none has run."""
        job = {
            "site_dir": str(self.site), "work_dir": str(self.dir), "code_dir": str(self.code),
            "out_dir": str(self.out), "kind": self.located.kind, "module": self.located.module,
            "submodules": list(self.located.submodules),
            "scenarios_package": self.scenarios.package,
            "own_modules": sorted(own_module_names(self.code)), "uid": self.uid,
            "readable_paths": _interpreter_paths(), "parallel": max(1, int(parallel)),
            "group_size": max(1, int(group_size)),
            "limits": self.limits.to_dict(),
            "cases": [{"name": c["name"], "family": c["family"], "params": c["params"],
                       "group": str(c.get("group", c["family"]))} for c in cases],
        }
        env = {"PATH": "/usr/bin:/bin", "HOME": str(self.dir), "LANG": "C.UTF-8",
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
        with open(self.stderr_path, "ab") as stderr:  # in the private folder: a plain file
            proc = subprocess.Popen(
                [sys.executable, "-I", "-S", str(WORKER)], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=stderr, cwd=self.dir, env=env,
                start_new_session=True)
        try:
            proc.stdin.write(json.dumps(job).encode())
            proc.stdin.close()
        except OSError:
            pass
        finished: dict[str, CaseOutcome] = {}
        in_flight: list[str] = []
        names = {c["name"] for c in cases}
        importing, not_imported = False, None
        try:
            for event in _events(proc.stdout, self.limits.case_seconds + _GRACE_SECONDS, deadline):
                if event.get("event") in ("import_start", "import_ok"):
                    importing = event["event"] == "import_start" and not finished and not in_flight
                    continue
                if event.get("event") == "import_failed":
                    if importing:
                        not_imported = self._import_failure(event)
                        break
                    continue
                importing = False
                name = event.get("case")
                if name not in names or name in finished:
                    continue
                if event.get("event") == "start" and name not in in_flight:
                    in_flight.append(name)
                elif event.get("event") == "done" and name in in_flight:
                    in_flight.remove(name)
                    finished[name] = self._collect(name, event)
                    if on_collected is not None:
                        on_collected(name, finished[name])
                    if len(finished) == len(cases):
                        break
        finally:
            _kill_session(proc)
            self._kill_everything()
        if importing and not_imported is None:  # the worker stopped or went silent meanwhile
            not_imported = self._import_interrupted(deadline)
        if not_imported is not None:
            # Every case would import it again and fail the same way: none ran. The probe's
            # output goes with the first.
            for index, case in enumerate(c for c in cases if c["name"] not in finished):
                finished[case["name"]] = replace(
                    not_imported, blocked_imports=list(not_imported.blocked_imports),
                    **({} if index == 0 else {"output": "", "seconds": 0.0}))
                if on_collected is not None:
                    on_collected(case["name"], finished[case["name"]])
        return finished, in_flight

    def _import_failure(self, event: dict) -> CaseOutcome:
        """What every case gets when the worker's import probe failed: a hang, a crash, an exit
        or an exception while the submission was imported."""
        seconds = event.get("seconds") if isinstance(event.get("seconds"), (int, float)) else 0.0
        outcome = CaseOutcome("crashed", output=self._output(PROBE), seconds=float(seconds))
        status = _wait_status(event)
        if event.get("timed_out") is True:
            outcome.status = "timeout"
            why = (f"took longer than the time limit of {self.limits.case_seconds:g} s "
                   f"(code at module level that runs on import, such as training or a loop?)")
        elif os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            if sig == signal.SIGXCPU:
                outcome.status = "timeout"
            why = f"stopped the process, which {_signal_message(sig, self.limits)}"
        else:
            report = _parse_report(self._read_out_file(f"{PROBE}.json", _MAX_REPORT_BYTES))
            if report is None or report["status"] == "ok":  # it did not get to write one
                code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else "?"
                why = (f"ended the process (exit code {code}); does your code call sys.exit() "
                       f"or os._exit() at module level?")
            else:
                outcome.status = report["status"]
                outcome.blocked_imports = report["blocked_imports"]
                why = f"failed: {report['message'] or 'no reason given'}"
        outcome.message = f"{_NOT_IMPORTED} {why}"
        return outcome

    def _import_interrupted(self, deadline: float) -> CaseOutcome:
        """What every case gets when the worker stopped while importing the submission."""
        if time.monotonic() >= deadline:
            return CaseOutcome("timeout", message="not run: the submission used up its total "
                               f"time limit ({self.limits.submission_seconds:g} s) while it was "
                               "being imported")
        return CaseOutcome("crashed", output=self._output(PROBE), message=(
            "not run: the grading process stopped while your submission was being imported "
            "(killed, hung or crashed; does your code kill or signal other processes?)"))

    def interrupted_outcome(self, name: str, deadline: float) -> CaseOutcome:
        """The case that was running, alone, when its worker stopped or went silent."""
        if time.monotonic() >= deadline:
            return CaseOutcome("timeout", message="stopped: the submission used up its total "
                               f"time limit ({self.limits.submission_seconds:g} s)")
        why = ("the grading process stopped while running this case (killed, hung or crashed; "
               "does your code kill or signal other processes?)")
        return CaseOutcome("crashed", message=why, output=self._output(name))

    def _read_out_file(self, filename: str, max_bytes: int) -> tuple[bytes, int] | None:
        """Up to ``max_bytes`` of a file the sandbox wrote into out/, and its full size; None
        when it is missing or not a regular file. Links are not followed and FIFOs cannot
        block (the sandbox user owns out/ and may put anything there)."""
        try:
            fd = os.open(filename, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
                         dir_fd=self.out_fd)
        except OSError:
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                return None
            chunks, left = [], max_bytes
            while left > 0:
                chunk = os.read(fd, min(left, 1 << 20))
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
            return b"".join(chunks), info.st_size
        except OSError:
            return None
        finally:
            os.close(fd)

    def _output(self, name: str) -> str:
        read = self._read_out_file(f"{name}.log", self.limits.captured_chars)
        if read is None:
            return ""
        data, size = read
        text = data.decode("utf-8", errors="replace")
        if size > self.limits.captured_chars:
            text += f"\n[... output truncated: {size} bytes in all]"
        return text

    def _read_arrays(self, name: str) -> dict[str, np.ndarray]:
        """The case's npz, copied out of reach of the sandbox before it is parsed."""
        limit = self.limits.result_mib * 1024 * 1024
        read = self._read_out_file(f"{name}.npz", limit + 1)
        if read is None:
            raise ArrayFileError("no result file (missing, or not a regular file)")
        data, size = read
        if size > limit:
            raise ArrayFileError(f"result too large ({size} bytes; the limit is {limit})")
        copy = self.private / "received.npz"
        copy.write_bytes(data)
        try:
            return read_npz(copy, limit)
        finally:
            copy.unlink()

    def _collect(self, name: str, event: dict) -> CaseOutcome:
        seconds = event.get("seconds") if isinstance(event.get("seconds"), (int, float)) else 0.0
        outcome = CaseOutcome("crashed", output=self._output(name), seconds=float(seconds))
        status = _wait_status(event)
        if event.get("timed_out") is True:
            outcome.status = "timeout"
            outcome.message = (f"took longer than {self.limits.case_seconds:g} s "
                               f"(an endless loop, or very slow code?)")
            return outcome
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            outcome.message = _signal_message(sig, self.limits)
            if sig == signal.SIGXCPU:
                outcome.status = "timeout"
            return outcome
        report = _parse_report(self._read_out_file(f"{name}.json", _MAX_REPORT_BYTES))
        if report is None:
            self.suspects.add(name)
            code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else "?"
            outcome.message = (f"the process ended (exit code {code}) before reporting a result; "
                               f"does your code call sys.exit() or os._exit()?")
            return outcome
        outcome.status = report["status"]
        outcome.message = report["message"]
        outcome.blocked_imports = report["blocked_imports"]
        try:
            outcome.arrays = self._read_arrays(name)
        except ArrayFileError as exc:
            if outcome.status == "ok":
                self.suspects.add(name)
                outcome.status, outcome.message = "error", str(exc)
        return outcome


_STATUSES = {"ok", "not_implemented", "error", "memory"}
_NOT_IMPORTED = "not run: importing your submission"
_MAX_REPORT_BYTES = 1024 * 1024


def _parse_report(read: tuple[bytes, int] | None) -> dict | None:
    if read is None or read[1] > _MAX_REPORT_BYTES:
        return None
    try:
        report = json.loads(read[0].decode("utf-8", errors="replace"))
    except (ValueError, RecursionError):  # deeply nested JSON from a hostile writer
        return None
    if not isinstance(report, dict) or report.get("status") not in _STATUSES:
        return None
    message = report.get("message")
    blocked = report.get("blocked_imports")
    return {"status": report["status"],
            "message": message[:4000] if isinstance(message, str) else "",
            "blocked_imports": [b for b in blocked if isinstance(b, str) and b.isidentifier()][:20]
            if isinstance(blocked, list) else []}


def _wait_status(event: dict) -> int:
    """The event's ``status`` (a wait status, as os.waitpid returns it); 0 when it is not one."""
    status = event.get("status")
    return status if type(status) is int and 0 <= status < 1 << 16 else 0


def _signal_message(sig: int, limits: Limits) -> str:
    if sig == signal.SIGSEGV:
        return "crashed with a segmentation fault (SIGSEGV)"
    if sig == signal.SIGXCPU:
        return f"used more than {int(limits.case_seconds) + 2} s of CPU time"
    if sig == signal.SIGKILL:
        return "was killed (SIGKILL), possibly for using too much memory"
    try:
        name = signal.Signals(sig).name
    except ValueError:
        name = f"signal {sig}"
    return f"crashed ({name})"


_WORKER_EVENTS = frozenset({"import_start", "import_ok", "import_failed"})  # about no one case


def _events(stream, idle_seconds: float, deadline: float):
    """JSON objects, one per line, until EOF, silence longer than ``idle_seconds`` or ``deadline``."""
    selector = selectors.DefaultSelector()
    selector.register(stream, selectors.EVENT_READ)
    fd = stream.fileno()
    buffer = b""
    try:
        while True:
            wait = min(idle_seconds, deadline - time.monotonic())
            if wait <= 0 or not selector.select(wait):
                return
            chunk = os.read(fd, 65536)
            if not chunk:
                return
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            if len(buffer) > 65536:
                return  # not our protocol
            for line in lines:
                try:
                    event = json.loads(line)
                except (ValueError, RecursionError):
                    continue
                if isinstance(event, dict) and (isinstance(event.get("case"), str)
                                                or event.get("event") in _WORKER_EVENTS):
                    yield event
    finally:
        selector.close()


def _kill_session(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.kill()
    except ProcessLookupError:
        pass
    proc.wait()
    if proc.stdout:
        proc.stdout.close()


def _numpy_dir() -> Path:
    """NumPy's folder, found without importing it (this process may not need it yet)."""
    return Path(importlib.util.find_spec("numpy").origin).resolve().parent


def _free_uid(base: int) -> int:
    """A uid no process uses right now, so parallel root runs never share a sandbox user."""
    start = os.getpid() % 1000
    for offset in range(1000):
        uid = base + (start + offset) % 1000
        if not confine.processes_of_uid(uid):
            return uid
    raise RuntimeError("no free sandbox uid")


def _interpreter_paths() -> list[str]:
    """What the worker must be able to read: Python, its virtual environment, NumPy, the grader."""
    numpy_dir = _numpy_dir()
    paths = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), numpy_dir.parent,
             PACKAGE_DIR}
    return sorted(str(p) for p in paths)
