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
    sys.dont_write_bytecode = True
    if len(sys.argv) > 1:
        # Started before its job (sandbox/prestart.py): NumPy loads from the folder named
        # while the grader still prepares; nothing else is imported from there.
        sys.path[0] = sys.argv[1]
        _import_numpy()
    job = json.loads(sys.stdin.buffer.read())
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)  # keep fds 0-2 taken so new files get fd >= 3
    sys.path[0] = job["site_dir"]  # only the allowed libraries (and theirs) and the grader's
    # worker-side code are importable
    os.chdir(job["work_dir"])
    os.environ["HOME"] = job["work_dir"]

    from autograder.sandbox import confine, userns
    from autograder.policy import Limits, Policy

    limits = Limits(**job["limits"])
    as_root = job["uid"] is not None
    job["processes_before"] = 0 if as_root else len(confine.processes_of_uid(os.getuid()))
    if as_root:
        notes = confine.isolate_as_root(job["work_dir"], job["readable_paths"], lambda: (
            userns.build_root(job["work_dir"], job["visible_paths"], limits.file_mib)))
        os.chdir(job["work_dir"])
        unconfined = (["filesystem", "network"] if any(n.startswith("namespaces:") for n in notes)
                      else [])
        confine.drop_privileges(job["uid"])
    else:
        # From here on this may be a new process, the first of its own PID namespace.
        confinement = userns.confine_unprivileged(job["work_dir"], job["visible_paths"],
                                                  limits.file_mib)
        notes, unconfined = confinement.notes, confinement.unconfined
        os.chdir(job["work_dir"])
    for note in notes:
        print(f"sandbox: {note}", file=sys.stderr)
    _emit({"event": "confinement", "unconfined": unconfined})
    confine.set_subreaper()
    confine.set_not_dumpable()
    confine.set_no_new_privs()

    _import_numpy()
    from autograder.sandbox import student
    _prepare_plotting(job)
    student.import_libraries(job["libraries"])
    if "matplotlib" in job["libraries"]:
        _import_pyplot()
    from autograder.scenarios import notebook
    notebook.configure(job["code_dir"], limits.cell_seconds, limits.notebook_seconds)
    job["import_rules"] = student.ImportRules(job["code_dir"], Policy.from_job(job["policy"]),
                                              frozenset(job["reachable"]))
    from autograder.scenarios import get_family
    # The submission compiled (never run) once here instead of in every case.
    job["compiled"] = student.CompiledSubmission(job["code_dir"])
    scenarios = os.path.join(job["site_dir"], job["scenarios_package"])
    families = {case["family"]: get_family(scenarios, job["scenarios_package"], case["family"])
                for case in job["cases"]}
    # Forked cases share these pages copy-on-write; keep the collector from touching (and so
    # copying) every one of them in every case. No gc.collect() first: nothing here is
    # garbage yet (it freed 0 objects) and it cost 15 ms of every grading's start.
    gc.freeze()

    if _probe_import(job, limits, as_root, confine):
        _run_all(job, families, limits, as_root, confine)


def _import_numpy() -> None:
    """Imported once in the zygote and shared by every forked case; numpy.random alone costs
    ~10 ms (an allowed library such as PyTorch, imported next, seconds)."""
    import numpy  # noqa: F401
    import numpy.linalg  # noqa: F401
    import numpy.random  # noqa: F401


def _prepare_plotting(job) -> None:
    """matplotlib, when the policy allows it: headless (Agg), its configuration and font cache
    in the sandbox's own writable folder (``code/.matplotlib``: not a module name)."""
    os.environ["MPLBACKEND"] = "Agg"
    os.environ["MPLCONFIGDIR"] = os.path.join(job["code_dir"], ".matplotlib")


def _import_pyplot() -> None:
    """pyplot and its font cache, once here rather than in every case process."""
    try:
        import matplotlib.pyplot  # noqa: F401
    except Exception:  # noqa: BLE001  (a case that plots reports it)
        pass


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
    timed_out = not select.select([pidfd], [], [], job["import_seconds"])[0]
    if timed_out:
        _dump_stack(pid, os.path.join(job["out_dir"], PROBE))
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
        streams = _enter_case_process(job, limits, as_root, pipe, cases=1,
                                      seconds=[job["import_seconds"]])
        _capture_output(out, streams)
        _stack_on_request(out)
        blocker = student.install_import_blocker(job["code_dir"], job["own_modules"],
                                                 job["import_rules"])
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

    def __init__(self, cases: list[dict], pid: int, progress: int, limits):
        self.cases, self.pid, self.progress = cases, pid, progress
        self.limits = limits
        self.pidfd = os.pidfd_open(pid)
        self.progress_open = True
        self.current = 0
        self._restart_clock()

    def _restart_clock(self, now: float | None = None) -> None:
        self.started = time.monotonic() if now is None else now
        if self.current < len(self.cases):
            # Each case its own clock: a case that runs a notebook declares its own seconds.
            self.deadline = self.started + self.limits.seconds_for(self.cases[self.current])
        else:   # all reported: a case's time to exit
            self.deadline = self.started + self.limits.case_seconds

    @property
    def name(self) -> str:
        return self.cases[self.current]["name"]

    def done_event(self, status: int, timed_out: bool, now: float) -> dict:
        return {"event": "done", "case": self.name, "status": status, "timed_out": timed_out,
                "seconds": round(now - self.started, 4),
                "limit": self.limits.seconds_for(self.cases[self.current])}

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
            # The next case started when this one ended, no later than ``now``: several cases
            # reported in one read must not get negative times (a later clock minus ``now``).
            self._restart_clock(now)
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
            running[pid] = _Running(group, pid, read_end, limits)
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
                _dump_stack(run.pid, os.path.join(job["out_dir"], run.name))
                _kill_group(run.pid)
            _, status = os.waitpid(run.pid, 0)
            if run.current < len(run.cases):
                if overdue:
                    # The methods that hung get a short limit in the item's later cases.
                    _shorten_after(run.cases[run.current], pending)
                    _shorten_after(run.cases[run.current], run.cases[run.current + 1:])
                if overdue or run.current == 0:
                    event = run.done_event(status, overdue, now)
                    if not overdue and job["parallel"] > 1 and _killed(status):
                        # Perhaps by a case running beside it (kill(-1) reaches every process
                        # of the sandbox but its first): the runner judges it on a run alone.
                        event["beside"] = True
                    events.append(event)
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


def _killed(status: int) -> bool:
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


def _shorten_after(hung: dict, later: list[dict]) -> None:
    """Mark the cases of ``later`` in the hung case's item that run the same methods: each
    gets the short limit (Limits.min_case_seconds) instead of its own."""
    for case in later:
        if case["group"] == hung["group"] and case.get("methods") == hung.get("methods"):
            case["short"] = True


_STACK_SIGNAL = signal.SIGUSR2


def _dump_stack(pid: int, out: str, wait: float = 0.5) -> None:
    """Ask a process about to be killed for its stack (``<out>.stack``, written by
    faulthandler from its signal handler, even inside C code), waiting up to ``wait`` s."""
    try:
        os.kill(pid, _STACK_SIGNAL)
    except (ProcessLookupError, PermissionError):
        return
    until = time.monotonic() + wait
    while time.monotonic() < until:
        try:
            if os.stat(out + ".stack").st_size > 0:
                time.sleep(0.01)   # let it finish the few lines
                return
        except OSError:
            pass
        time.sleep(0.01)


def _stack_on_request(out: str) -> None:
    """In a process about to run student code: on _STACK_SIGNAL, faulthandler writes the
    current stack to ``<out>.stack`` (a new file), which names the method a timeout stopped."""
    import faulthandler
    fd = os.open(out + ".stack", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    faulthandler.register(_STACK_SIGNAL, file=fd, all_threads=False, chain=False)
    global _stack_fd
    if _stack_fd is not None:
        os.close(_stack_fd)
    _stack_fd = fd


_stack_fd = None


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


def _enter_case_process(job, limits, as_root, pipe, cases: int, seconds=None):
    """The set-up of a forked process that will run student code (``cases`` cases, or the
    import probe): its own process group, subreaper, limits, ``pipe`` on fd 3 and no other fd.
    Returns line-buffered streams on fds 1 and 2."""
    from autograder.sandbox import confine
    os.setpgid(0, 0)
    confine.set_subreaper()
    confine.apply_case_limits(limits, as_root, job["processes_before"], cases=cases,
                              seconds=seconds)
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
    for stale in (".json", ".npz", ".log", ".stack"):
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
        streams = _enter_case_process(job, limits, as_root, progress, cases=len(cases),
                                      seconds=[limits.seconds_for(case) for case in cases])
    except BaseException as exc:  # noqa: BLE001
        for case in cases:
            _write_report(job, case["name"], {"status": "error", "blocked_imports": [],
                                              "message": f"the grader could not run this case: "
                                                         f"{type(exc).__name__}: {exc}"})
        return
    for index, case in enumerate(cases):
        if index:
            confine.allow_cpu_seconds(limits, limits.seconds_for(case))
        _run_case(job, case, families[case["family"]], limits, streams)
        _kill_leftovers(confine)  # what this case started must not outlive it
        try:
            os.write(_PROGRESS_FD, b"d")
        except OSError:
            return  # the submission closed the pipe: the worker reruns the rest one by one


def _kill_leftovers(confine) -> None:
    """Kill whatever the case started. Nearly always nothing: one waitpid() then says there is
    no child at all, running or ended (orphans it left are ours too: we are a subreaper),
    where a sweep reads /proc (0.3 ms a case)."""
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return
    confine.kill_children()


def _run_case(job, case, family, limits, streams) -> None:
    """One case, in a process that may have run others of its group before."""
    from autograder.sandbox import student
    report = {"status": "error", "message": "", "blocked_imports": []}
    out = os.path.join(job["out_dir"], case["name"])
    try:
        _capture_output(out, streams)
        _stack_on_request(out)
        # Each case imports the submission afresh behind a fresh import blocker: neither its
        # module-level state nor an earlier case's changes to the import system carry over.
        student.forget_modules(job["own_modules"])
        blocker = student.install_import_blocker(job["code_dir"], job["own_modules"],
                                                 job["import_rules"])
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
