"""The untrusted side: a zygote that imports NumPy and the scenarios once, imports the
submission once in a forked probe (no case runs if that fails), then forks a child per group of
consecutive cases (one rubric item's when grading; ``group_size`` at most; 1 in a rerun). For
each case in turn the child imports the submission afresh, runs the case's scenario and writes
``<case>.npz`` (plain float arrays) and ``<case>.json`` (status and message) into the out folder.

Started by ``runner.py`` as ``python -I -S worker.py`` with a JSON job on stdin; it writes one
JSON line per event on stdout (``import_start`` then ``import_ok`` or ``import_failed`` of the
probe, ``start`` and ``done`` of each case). Nothing here is trusted: the runner validates every
byte it reads back.
"""
import gc
import json
import os
import select
import signal
import sys
import time


def _emit(event: dict) -> None:
    os.write(1, (json.dumps(event) + "\n").encode())


def main() -> None:
    job = json.loads(sys.stdin.buffer.read())
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)  # keep fds 0-2 taken so new files get fd >= 3
    sys.path[0] = job["site_dir"]  # only NumPy and the grader's worker-side code are importable
    sys.dont_write_bytecode = True

    from autograder.sandbox import confine
    from autograder.sandbox.limits import Limits

    limits = Limits(**job["limits"])
    as_root = job["uid"] is not None
    job["processes_before"] = 0 if as_root else len(confine.processes_of_uid(os.getuid()))
    if as_root:
        notes = confine.isolate_as_root(job["work_dir"], job["readable_paths"])
        confine.drop_privileges(job["uid"])
    else:
        notes = confine.isolate_network_unprivileged()
    for note in notes:
        print(f"sandbox: {note}", file=sys.stderr)
    confine.set_subreaper()
    confine.set_not_dumpable()
    confine.set_no_new_privs()

    # Imported once here and shared by every forked case; numpy.random alone costs ~10 ms.
    import numpy  # noqa: F401
    import numpy.linalg  # noqa: F401
    import numpy.random  # noqa: F401
    from autograder.sandbox import student
    from autograder.scenarios import get_family
    # The submission compiled (never run) once here instead of in every case.
    job["compiled"] = student.CompiledSubmission(job["code_dir"])
    scenarios = os.path.join(job["site_dir"], job["scenarios_package"])
    families = {case["family"]: get_family(scenarios, job["scenarios_package"], case["family"])
                for case in job["cases"]}
    # Forked cases share these pages copy-on-write; keep the collector from touching (and so
    # copying) every one of them in every case.
    gc.collect()
    gc.freeze()

    if _probe_import(job, limits, as_root, confine):
        _run_all(job, families, limits, as_root, confine)


# The probe's files in out/ (its report and its output); never a case's name ([a-z0-9_]+).
PROBE = "import-probe"
_PROBE_PASSED = b"ok"


def _probe_import(job, limits, as_root, confine) -> bool:
    """Import the submission once, in a forked process with a case's limits, before any case
    runs. A hang, crash, exit or exception at import would recur in every case, one time limit
    after another: instead the runner is told once (``import_failed``; the process wrote its
    report into out/ like a case) and no case starts. True when the import went through."""
    _emit({"event": "import_start"})
    read_end, write_end = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            _import_once(job, limits, as_root, write_end)
        finally:
            os._exit(0)
    os.close(write_end)
    pidfd = os.pidfd_open(pid)
    timed_out = not select.select([pidfd], [], [], limits.case_seconds)[0]
    _kill_group(pid)  # a hang, or whatever the import started
    _, status = os.waitpid(pid, 0)
    os.close(pidfd)
    os.set_blocking(read_end, False)
    try:
        said = os.read(read_end, 16)
    except BlockingIOError:
        said = b""
    os.close(read_end)
    confine.kill_children()  # adopted daemons of the import
    passed = not timed_out and status == 0 and said == _PROBE_PASSED
    _emit({"event": "import_ok"} if passed else
          {"event": "import_failed", "status": status, "timed_out": timed_out,
           "seconds": round(time.monotonic() - started, 4)})
    return passed


def _import_once(job, limits, as_root, pipe) -> None:
    """In the probe's process: what a case does before its scenario (the same limits, import
    blocker and compiled modules), plus the contract's submodules of a package. Says ``ok`` on
    the pipe, or writes a report into out/ as a case does."""
    from autograder.sandbox import student
    report = {"status": "error", "message": "", "blocked_imports": []}
    out = os.path.join(job["out_dir"], PROBE)
    try:
        streams = _enter_case_process(job, limits, as_root, pipe, cases=1)
        _capture_output(out, streams)
        blocker = student.install_import_blocker(job["code_dir"], job["own_modules"])
        try:
            student.import_submission(job["code_dir"], job["kind"], job["module"],
                                      job["submodules"], job["compiled"])
            os.write(_PROGRESS_FD, _PROBE_PASSED)
            return
        except BaseException as exc:  # noqa: BLE001  (SystemExit and KeyboardInterrupt too)
            report.update(student.describe_failure(exc, job["code_dir"], out + ".npz",
                                                   limits.result_mib * 1024 * 1024))
        report["blocked_imports"] = blocker.blocked
    except BaseException as exc:  # noqa: BLE001
        report["message"] = f"the grader could not import it: {type(exc).__name__}: {exc}"
    _write_report(job, PROBE, report)


class _Running:
    """A forked process running ``cases`` (one group) one after another. It writes one byte,
    ``d``, to its progress pipe after each case; the case after it starts at once."""

    def __init__(self, cases: list[dict], pid: int, progress: int, case_seconds: float):
        self.cases, self.pid, self.progress = cases, pid, progress
        self.case_seconds = case_seconds
        self.pidfd = os.pidfd_open(pid)
        self.progress_open = True
        self.current = 0
        self._restart_clock()

    def _restart_clock(self) -> None:
        self.started = time.monotonic()
        self.deadline = self.started + self.case_seconds

    @property
    def name(self) -> str:
        return self.cases[self.current]["name"]

    def done_event(self, status: int, timed_out: bool, now: float) -> dict:
        return {"event": "done", "case": self.name, "status": status, "timed_out": timed_out,
                "seconds": round(now - self.started, 4)}

    def read_progress(self, now: float) -> list[dict]:
        """Events for the cases the process reports finished: done for each, start for the
        case after it."""
        events = []
        try:
            data = os.read(self.progress, 4096)
            self.progress_open = bool(data)
        except BlockingIOError:
            data = b""
        for _ in range(data.count(b"d")):
            if self.current >= len(self.cases):
                break
            events.append(self.done_event(0, False, now))
            self.current += 1
            self._restart_clock()
            if self.current < len(self.cases):
                events.append({"event": "start", "case": self.name})
        return events

    def close(self) -> None:
        os.close(self.pidfd)
        os.close(self.progress)


def _next_group(pending: list[dict], size: int) -> list[dict]:
    """The first pending case and the ones after it of the same group, up to ``size``; a case
    to rerun after a crash goes alone."""
    group = [pending.pop(0)]
    while (pending and len(group) < size and not group[0].get("alone")
           and not pending[0].get("alone") and pending[0]["group"] == group[0]["group"]):
        group.append(pending.pop(0))
    return group


def _run_all(job, families, limits, as_root, confine) -> None:
    """Fork up to ``parallel`` case processes at a time, each running a group of cases; kill any
    whose current case overstays its time. The cases a process did not finish (it crashed, or
    was killed) run again one per process, so a crash costs only its own case."""
    pending = list(job["cases"])
    group_size = max(1, int(job["group_size"]))
    running: dict[int, _Running] = {}
    while pending or running:
        while pending and len(running) < job["parallel"]:
            group = _next_group(pending, group_size)
            # On record before the case can run: a case that kills this worker at once is
            # still known to have been running.
            _emit({"event": "start", "case": group[0]["name"]})
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(read_end)
                _run_child(job, group, families, limits, as_root, write_end)
            os.close(write_end)
            os.set_blocking(read_end, False)
            running[pid] = _Running(group, pid, read_end, limits.case_seconds)
        wait = max(0.0, min(r.deadline for r in running.values()) - time.monotonic())
        watched = ([r.pidfd for r in running.values()]
                   + [r.progress for r in running.values() if r.progress_open])
        ready, _, _ = select.select(watched, [], [], wait)
        now = time.monotonic()
        events, retry = [], []
        for run in list(running.values()):
            exited = run.pidfd in ready
            if run.progress in ready or exited:  # what it reported, also just before it ended
                events += run.read_progress(now)
            overdue = not exited and now >= run.deadline
            if not (exited or overdue):
                continue
            if overdue:
                _kill_group(run.pid)
            _, status = os.waitpid(run.pid, 0)
            if run.current < len(run.cases):
                if overdue or run.current == 0:
                    events.append(run.done_event(status, overdue, now))
                    retry += run.cases[run.current + 1:]
                else:
                    # It died after other cases ran in the same process, which may have left
                    # something behind (a thread, a signal handler): the case is judged alone.
                    retry += run.cases[run.current:]
            run.close()
            del running[run.pid]
        pending[:0] = [dict(case, alone=True) for case in retry]
        # Before a case is reported done, whatever it started and left behind (adopted by us, a
        # subreaper) is killed: nothing of it can still write its result files as they are read.
        strays = set(confine.own_children()) - set(running)
        if strays:
            for pid in strays:
                _kill_group(pid)
            confine.kill_children(keep=frozenset(running))
        for event in events:
            _emit(event)


def _kill_group(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


_PROGRESS_FD = 3


def _run_child(job, cases, families, limits, as_root, progress) -> None:
    """In the forked process: run ``cases`` one after another. Never returns."""
    try:
        _run_cases(job, cases, families, limits, as_root, progress)
    finally:
        os._exit(0)


def _enter_case_process(job, limits, as_root, pipe, cases: int):
    """The set-up of a forked process that will run student code (``cases`` cases, or the
    import probe): its own process group, subreaper, limits, ``pipe`` on fd 3 and no other fd.
    Returns line-buffered streams on fds 1 and 2."""
    from autograder.sandbox import confine
    os.setpgid(0, 0)
    confine.set_subreaper()
    confine.apply_case_limits(limits, as_root, job["processes_before"], cases=cases)
    os.dup2(pipe, _PROGRESS_FD, inheritable=False)  # fd 0 is already /dev/null
    os.closerange(_PROGRESS_FD + 1, 65536)
    streams = (open(1, "w", buffering=1, closefd=False),
               open(2, "w", buffering=1, closefd=False))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an over-long print fails, not the process
    os.chdir(job["code_dir"])
    return streams


def _capture_output(out: str, streams) -> None:
    """Send stdout and stderr to ``<out>.log`` (a new file); remove ``<out>.json`` and
    ``<out>.npz`` planted by another case, so they are never read as this one's."""
    for stale in (".json", ".npz", ".log"):
        try:
            os.unlink(out + stale)
        except FileNotFoundError:
            pass
    sys.stdout, sys.stderr = streams  # whatever an earlier case put there is dropped
    for stream in streams:
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    log = os.open(out + ".log", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)


def _run_cases(job, cases, families, limits, as_root, progress) -> None:
    from autograder.sandbox import confine
    try:
        streams = _enter_case_process(job, limits, as_root, progress, cases=len(cases))
    except BaseException as exc:  # noqa: BLE001
        for case in cases:
            _write_report(job, case["name"], {"status": "error", "blocked_imports": [],
                                              "message": f"the grader could not run this case: "
                                                         f"{type(exc).__name__}: {exc}"})
        return
    for index, case in enumerate(cases):
        if index:
            confine.allow_cpu_seconds(limits)
        _run_case(job, case, families[case["family"]], limits, streams)
        confine.kill_children()  # what this case started must not outlive it
        try:
            os.write(_PROGRESS_FD, b"d")
        except OSError:
            return  # the submission closed the pipe: the worker reruns the rest one by one


def _run_case(job, case, family, limits, streams) -> None:
    """One case, in a process that may have run others of its group before."""
    from autograder.sandbox import student
    report = {"status": "error", "message": "", "blocked_imports": []}
    out = os.path.join(job["out_dir"], case["name"])
    try:
        _capture_output(out, streams)
        # Each case imports the submission afresh behind a fresh import blocker: neither its
        # module-level state nor an earlier case's changes to the import system carry over.
        student.forget_modules(job["own_modules"])
        blocker = student.install_import_blocker(job["code_dir"], job["own_modules"])
        try:
            api = student.load_api(job["code_dir"], job["kind"], job["module"],
                                   job["submodules"], job["compiled"])
            arrays = family.run(api, case["params"])
            student.save_result(out + ".npz", arrays, limits.result_mib * 1024 * 1024)
            report["status"] = "ok"
        except BaseException as exc:  # noqa: BLE001  (SystemExit and KeyboardInterrupt too)
            report.update(student.describe_failure(exc, job["code_dir"], out + ".npz",
                                                   limits.result_mib * 1024 * 1024))
            del exc
            gc.collect()  # what the failed case held (a MemoryError's hoard) goes before the next
        report["blocked_imports"] = blocker.blocked
    except BaseException as exc:  # noqa: BLE001
        report["message"] = f"the grader could not run this case: {type(exc).__name__}: {exc}"
    _write_report(job, case["name"], report)


def _write_report(job, name: str, report: dict) -> None:
    from autograder.sandbox import student
    report["blocked_imports"] = sorted(set(report["blocked_imports"]))
    out = os.path.join(job["out_dir"], name)
    student.write_fresh(out + ".json", json.dumps(report).encode())


if __name__ == "__main__":
    main()
