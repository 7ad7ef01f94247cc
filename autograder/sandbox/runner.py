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
from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.npz import ArrayFileError, parse_npz
from autograder.sandbox import confine
from autograder.policy import DEFAULT_POLICY, ENGINE_LIBRARIES, Limits, Policy
from autograder.sandbox.libraries import library_site
from autograder.sandbox.prestart import StartedWorker, worker_command, worker_env
from autograder.sandbox.stack import innermost_student_frame
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
    unconfined: tuple[str, ...] = ()   # what the sandbox could not confine on this machine
                                       # ("filesystem", "network", "processes")


def run_cases(located, cases: list[dict], scenarios, limits: Limits | None = None, *,
              policy: Policy | None = None, scratch_dir: str | None = None,
              worker: StartedWorker | None = None) -> Iterator[tuple[str, CaseOutcome]]:
    """Run every case (dicts with name, family, params) on a located submission, with the
    families of ``scenarios`` (an autograder.scenarios.ScenarioSource), under the assignment's
    ``policy`` (what each file may import; None: the engine's defaults) and ``limits`` (None:
    the policy's).

    A generator: yields ``(name, outcome)`` once per case, as soon as that case's outcome is
    final (cases run in the order given), so the caller can judge while the rest still run.
    ``dict(run_cases(...))`` waits for them all. The sandbox folder goes under ``scratch_dir``
    (default: the temporary folder). Every process it started is killed and its folders are
    removed when the generator is exhausted or closed. ``worker``, if given, is a worker
    started ahead (sandbox/prestart.py) that the first run uses; its owner closes it."""
    policy = policy or DEFAULT_POLICY
    limits = limits or policy.limits
    outcomes: dict[str, CaseOutcome] = {}
    reported: set[str] = set()
    with _Workspace(located, limits, scenarios, policy, scratch_dir, worker) as ws:
        clock = SubmissionClock(limits.submission_seconds)
        remaining = list(cases)
        solo: set[str] = set()  # cases to rerun one at a time to find which one stopped a worker
        while remaining:
            if clock.expired():
                for case in remaining:
                    outcomes[case["name"]] = CaseOutcome(
                        "timeout", message="not run: the submission used up its total time "
                        f"limit ({limits.submission_seconds:g} s)")
                break
            batch = [c for c in remaining if c["name"] in solo] or remaining
            alone = bool(solo)
            finished: dict[str, CaseOutcome] = {}
            with closing(ws.run_worker(
                    batch, clock, 1 if alone else limits.parallel_cases,
                    1 if alone else limits.cases_per_process)) as worker:
                while True:
                    try:
                        name, outcome = next(worker)
                    except StopIteration as stop:
                        in_flight = stop.value
                        break
                    outcome.unconfined = ws.unconfined
                    finished[name] = outcome
                    # final at once unless its files were tampered with next to another case
                    if alone or name not in ws.suspects:
                        reported.add(name)
                        yield name, outcome
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
                    outcomes[name] = ws.interrupted_outcome(name, clock)
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
            for name, outcome in list(outcomes.items()):
                if name not in reported:
                    reported.add(name)
                    outcome.unconfined = ws.unconfined
                    yield name, outcome
        for name, outcome in list(outcomes.items()):
            if name not in reported:
                reported.add(name)
                outcome.unconfined = ws.unconfined
                yield name, outcome


def _sandbox_parent(scratch_dir: str | None) -> str | None:
    """Where the sandbox's folder goes: ``scratch_dir`` (None: the temporary folder), unless
    the sandbox user could not reach into it (as root with TMPDIR under /root, say); then the
    first shared one that it can."""
    base = scratch_dir or tempfile.gettempdir()
    if os.geteuid() != 0 or _others_can_enter(base):
        return scratch_dir
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

    def __init__(self, located, limits: Limits, scenarios, policy: Policy = DEFAULT_POLICY,
                 scratch_dir: str | None = None, started: StartedWorker | None = None):
        self.located = located
        self.started = started
        self.policy = policy
        self.libraries = library_site(tuple(sorted({*ENGINE_LIBRARIES, *policy.libraries})))
        self.scratch_dir = scratch_dir
        self.limits = limits
        self.scenarios = scenarios
        self.uid = None
        self.suspects: set[str] = set()  # finished cases whose result files were tampered with
        self.seconds_of: dict[str, float] = {}   # each case's own time limit
        self.import_limit = limits.case_seconds   # the import probe's (run_worker's)
        self.unconfined: tuple[str, ...] = ()     # as the worker reported it

    def __enter__(self):
        try:
            confine.set_subreaper()
        except OSError:
            pass
        # The sandbox may write only into code/ and out/. The folder holding them stays the
        # grader's, so nothing here can be swapped for a link the trusted side would follow.
        self.dir = Path(tempfile.mkdtemp(prefix="autograder-",
                                         dir=_sandbox_parent(self.scratch_dir)))
        # Trusted-side files (the worker's stderr, copies of results being parsed): never
        # reachable by the sandbox user.
        self.private = Path(tempfile.mkdtemp(prefix="autograder-trusted-", dir=self.scratch_dir))
        self.code = self.dir / "code"
        shutil.copytree(self.located.root, self.code, symlinks=False)
        self.site = self.dir / "site"
        self.site.mkdir()
        # The allowed libraries and what they import, nothing else installed (student.py decides
        # who may import which).
        for path in self.libraries.paths:
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

    def run_worker(self, cases: list[dict], clock: "SubmissionClock", parallel: int,
                   group_size: int
                   ) -> Generator[tuple[str, CaseOutcome], None, list[str]]:
        """Run ``cases`` in one worker until it finishes, dies or hangs; ``parallel`` processes
        at a time, each running up to ``group_size`` consecutive cases of one group (a case's
        ``group``, by default its family; grading groups by rubric item).

        A generator: yields ``(name, outcome)`` for each case as the worker finishes it, and
        returns the names of the cases it was running when it stopped early. When the worker's
        import probe fails, or the worker stops during it, every case is finished with that
        reason and none has run. Closing it kills the worker and all it started."""
        self.import_limit = self.limits.import_seconds(cases)
        job = {
            "site_dir": str(self.site), "work_dir": str(self.dir), "code_dir": str(self.code),
            "out_dir": str(self.out), "kind": self.located.kind, "module": self.located.module,
            "submodules": list(self.located.submodules),
            "scenarios_package": self.scenarios.package,
            "own_modules": sorted(own_module_names(self.code)), "uid": self.uid,
            "policy": self.policy.to_job(), "libraries": list(self.policy.libraries),
            "reachable": sorted(self.libraries.reachable),
            "readable_paths": _interpreter_paths(self.libraries.paths),
            "visible_paths": _visible_paths(self.libraries.paths),
            "parallel": max(1, int(parallel)), "group_size": max(1, int(group_size)),
            "limits": self.limits.to_dict(), "import_seconds": self.import_limit,
            "cases": [{"name": c["name"], "family": c["family"], "params": c["params"],
                       "group": str(c.get("group", c["family"])),
                       "methods": str(c.get("methods", c["family"])),
                       **{key: c[key] for key in ("seconds", "reference_seconds") if key in c}}
                      for c in cases],
        }
        proc = self.started.take(str(WORKER)) if self.started is not None else None
        if proc is not None:   # NumPy already loaded; its stderr goes to its own private file
            self.stderr_path = Path(self.started.stderr_path)
        else:
            with open(self.stderr_path, "ab") as stderr:  # in the private folder: a plain file
                proc = subprocess.Popen(
                    worker_command(str(WORKER)), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    stderr=stderr, cwd=self.dir, env=worker_env(str(self.dir)),
                    start_new_session=True)
        try:
            proc.stdin.write(json.dumps(job).encode())
            proc.stdin.close()
        except OSError:
            pass
        # Reading results needs NumPy: it loads here while the worker starts (the two take
        # about as long, on two cores), not before the worker or after its first case.
        import numpy  # noqa: F401
        finished: dict[str, CaseOutcome] = {}
        in_flight: list[str] = []
        names = {c["name"] for c in cases}
        importing, not_imported = False, None
        try:
            # Silence longer than the longest case's own limit means the worker hung.
            idle = max([self.limits.case_seconds, *map(self.limits.seconds_for, cases)])
            self.seconds_of = {c["name"]: self.limits.seconds_for(c) for c in cases}
            starting = time.monotonic()
            for event in _events(proc.stdout, idle + _GRACE_SECONDS, clock):
                if starting is not None and event.get("event") != "confinement":
                    # The worker has imported the allowed libraries (seconds, for PyTorch):
                    # the grader's work, not the submission's, so off its clock.
                    clock.exclude(time.monotonic() - starting)
                    starting = None
                if event.get("event") == "confinement":
                    self._note_confinement(event)
                    continue
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
                    yield name, finished[name]
                    if len(finished) == len(cases):
                        break
        finally:
            _kill_session(proc)
            self._kill_everything()
        if importing and not_imported is None:  # the worker stopped or went silent meanwhile
            not_imported = self._import_interrupted(clock)
        if not_imported is not None:
            # Every case would import it again and fail the same way: none ran. The probe's
            # output goes with the first.
            for index, case in enumerate(c for c in cases if c["name"] not in finished):
                finished[case["name"]] = replace(
                    not_imported, blocked_imports=list(not_imported.blocked_imports),
                    **({} if index == 0 else {"output": "", "seconds": 0.0}))
                yield case["name"], finished[case["name"]]
        return in_flight

    def _note_confinement(self, event: dict) -> None:
        """The worker says, before any student code runs, what it could not confine; only
        known aspects are kept, and a later claim can only add to them."""
        said = event.get("unconfined")
        if isinstance(said, list):
            known = {aspect for aspect in said if aspect in _ASPECTS}
            self.unconfined = tuple(a for a in _ASPECTS if a in known or a in self.unconfined)

    def _import_failure(self, event: dict) -> CaseOutcome:
        """What every case gets when the worker's import probe failed: a hang, a crash, an exit
        or an exception while the submission was imported."""
        seconds = event.get("seconds") if isinstance(event.get("seconds"), (int, float)) else 0.0
        outcome = CaseOutcome("crashed", output=self._output(PROBE), seconds=float(seconds))
        status = _wait_status(event)
        if event.get("timed_out") is True:
            outcome.status = "timeout"
            why = (f"took longer than the time limit of {self.import_limit:g} s "
                   f"(code at module level that runs on import, such as training or a loop?)"
                   f"{self._where_stopped(PROBE)}")
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

    def _import_interrupted(self, clock: "SubmissionClock") -> CaseOutcome:
        """What every case gets when the worker stopped while importing the submission."""
        if clock.expired():
            return CaseOutcome("timeout", message="not run: the submission used up its total "
                               f"time limit ({self.limits.submission_seconds:g} s) while it was "
                               "being imported")
        return CaseOutcome("crashed", output=self._output(PROBE), message=(
            "not run: the grading process stopped while your submission was being imported "
            "(killed, hung or crashed; does your code kill or signal other processes?)"))

    def interrupted_outcome(self, name: str, clock: "SubmissionClock") -> CaseOutcome:
        """The case that was running, alone, when its worker stopped or went silent."""
        if clock.expired():
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

    def _where_stopped(self, name: str) -> str:
        """"; it was running Net.forward (net.py, line 12)": the innermost frame of
        the student's code in the stack the case dumped as it was stopped (worker.py), or ""."""
        read = self._read_out_file(f"{name}.stack", _MAX_STACK_BYTES)
        if read is None:
            return ""
        where = innermost_student_frame(read[0].decode("utf-8", errors="replace"),
                                        str(self.code), Path(self.located.root))
        return f"; it was running {where}" if where else ""

    def _read_arrays(self, name: str) -> dict[str, np.ndarray]:
        """The case's npz, read into this process's memory (out of reach of the sandbox)
        before it is parsed."""
        limit = self.limits.result_mib * 1024 * 1024
        read = self._read_out_file(f"{name}.npz", limit + 1)
        if read is None:
            raise ArrayFileError("no result file (missing, or not a regular file)")
        data, size = read
        if size > limit:
            raise ArrayFileError(f"result too large ({size} bytes; the limit is {limit})")
        return parse_npz(data, limit)

    def _collect(self, name: str, event: dict) -> CaseOutcome:
        seconds = event.get("seconds") if isinstance(event.get("seconds"), (int, float)) else 0.0
        outcome = CaseOutcome("crashed", output=self._output(name), seconds=float(seconds))
        status = _wait_status(event)
        if event.get("timed_out") is True:
            outcome.status = "timeout"
            limit = self.seconds_of.get(name, self.limits.case_seconds)
            said = event.get("limit")   # shorter when the item's same methods hung before
            if type(said) in (int, float) and 0 < said < limit:
                limit = said
            outcome.message = (f"took longer than {limit:g} s "
                               f"(an endless loop, or very slow code?){self._where_stopped(name)}")
            return outcome
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            if event.get("beside") is True and sig == signal.SIGKILL:
                self.suspects.add(name)   # perhaps killed by the case beside it: rerun alone
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
_ASPECTS = ("filesystem", "network", "processes")
_MAX_STACK_BYTES = 64 * 1024
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


_WORKER_EVENTS = frozenset({"import_start", "import_ok", "import_failed", "confinement"})  # about no one case


class SubmissionClock:
    """The submission's total time limit. It runs while the submission's code can run, not
    while a fresh worker imports the libraries its assignment allows (``exclude``)."""

    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds

    def exclude(self, seconds: float) -> None:
        self.deadline += max(0.0, seconds)

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def expired(self) -> bool:
        return self.left() <= 0


def _events(stream, idle_seconds: float, clock: SubmissionClock):
    """JSON objects, one per line, until EOF, silence longer than ``idle_seconds`` or the end of
    the submission's time."""
    selector = selectors.DefaultSelector()
    selector.register(stream, selectors.EVENT_READ)
    fd = stream.fileno()
    buffer = b""
    try:
        while True:
            wait = min(idle_seconds, clock.left())
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


def _free_uid(base: int) -> int:
    """A uid no process uses right now, so parallel root runs never share a sandbox user."""
    start = os.getpid() % 1000
    for offset in range(1000):
        uid = base + (start + offset) % 1000
        if not confine.processes_of_uid(uid):
            return uid
    raise RuntimeError("no free sandbox uid")


def _visible_paths(libraries: tuple[Path, ...]) -> list[str]:
    """What a worker confined without root sees, read-only (sandbox/userns.py): Python's own
    install, the allowed libraries (and theirs) and the grader's package; not the virtual
    environment's other packages, nor anything else of the kit."""
    return sorted({str(Path(sys.base_prefix).resolve()), str(PACKAGE_DIR),
                   *(str(path) for path in libraries)})


def _interpreter_paths(libraries: tuple[Path, ...]) -> list[str]:
    """What the worker must be able to read: Python, its virtual environment, the allowed
    libraries (and theirs), the grader."""
    paths = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), PACKAGE_DIR,
             *(path.parent for path in libraries)}
    return sorted(str(p) for p in paths)
