"""The untrusted side: a zygote that imports NumPy and the scenarios once, then forks one child
per case. The child imports the submission, runs the case's scenario and writes
``<case>.npz`` (plain float arrays) and ``<case>.json`` (status and message) into the out folder.

Started by ``runner.py`` as ``python -I -S worker.py`` with a JSON job on stdin; it writes one
JSON line per event on stdout (``start`` and ``done`` of each case). Nothing here is trusted:
the runner validates every byte it reads back.
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
    families = {case["family"]: get_family(case["family"]) for case in job["cases"]}
    # Forked cases share these pages copy-on-write; keep the collector from touching (and so
    # copying) every one of them in every case.
    gc.collect()
    gc.freeze()

    _run_all(job, families, limits, as_root, confine)


class _Running:
    def __init__(self, name: str, pid: int, deadline: float):
        self.name, self.pid, self.deadline = name, pid, deadline
        self.started = time.monotonic()
        self.pidfd = os.pidfd_open(pid)


def _run_all(job, families, limits, as_root, confine) -> None:
    """Fork up to ``parallel`` case processes at a time; kill any that overstays its time."""
    pending = list(job["cases"])
    running: dict[int, _Running] = {}
    while pending or running:
        while pending and len(running) < job["parallel"]:
            case = pending.pop(0)
            _emit({"event": "start", "case": case["name"]})
            pid = os.fork()
            if pid == 0:
                _run_child(job, case, families[case["family"]], limits, as_root)
            running[pid] = _Running(case["name"], pid, time.monotonic() + limits.case_seconds)
        wait = max(0.0, min(r.deadline for r in running.values()) - time.monotonic())
        ready, _, _ = select.select([r.pidfd for r in running.values()], [], [], wait)
        now = time.monotonic()
        done = []
        for run in list(running.values()):
            timed_out = run.pidfd not in ready and now >= run.deadline
            if run.pidfd not in ready and not timed_out:
                continue
            if timed_out:
                _kill_group(run.pid)
            _, status = os.waitpid(run.pid, 0)
            os.close(run.pidfd)
            del running[run.pid]
            done.append({"event": "done", "case": run.name, "status": status,
                         "timed_out": timed_out, "seconds": round(now - run.started, 4)})
        # Before a case is reported done, whatever it started and left behind (adopted by us, a
        # subreaper) is killed: nothing of it can still write its result files as they are read.
        strays = set(confine.own_children()) - set(running)
        if strays:
            for pid in strays:
                _kill_group(pid)
            confine.kill_children(keep=frozenset(running))
        for event in done:
            _emit(event)


def _kill_group(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _run_child(job, case, family, limits, as_root) -> None:
    """In the forked case process. Never returns, whatever happens."""
    try:
        _run_case(job, case, family, limits, as_root)
    finally:
        os._exit(0)


def _run_case(job, case, family, limits, as_root) -> None:
    report = {"status": "error", "message": "", "blocked_imports": []}
    out = os.path.join(job["out_dir"], case["name"])
    try:
        os.setpgid(0, 0)
        from autograder.sandbox import confine
        confine.apply_case_limits(limits, as_root, job["processes_before"])
        for stale in (".json", ".npz", ".log"):  # planted by another case: never read as ours
            try:
                os.unlink(out + stale)
            except FileNotFoundError:
                pass
        log = os.open(out + ".log", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.closerange(3, 65536)
        sys.stdout = open(1, "w", buffering=1, closefd=False)
        sys.stderr = open(2, "w", buffering=1, closefd=False)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an over-long print fails, not the process
        os.chdir(job["code_dir"])

        from autograder.sandbox import student
        blocker = student.install_import_blocker(job["code_dir"], job["own_modules"])
        report["blocked_imports"] = blocker.blocked
        try:
            api = student.load_api(job["code_dir"], job["kind"], job["module"], job["compiled"])
            arrays = family.run(api, case["params"])
            student.save_result(out + ".npz", arrays, limits.result_mib * 1024 * 1024)
            report["status"] = "ok"
        except BaseException as exc:  # noqa: BLE001  (SystemExit and KeyboardInterrupt too)
            report.update(student.describe_failure(exc, job["code_dir"], out + ".npz",
                                                   limits.result_mib * 1024 * 1024))
    except BaseException as exc:  # noqa: BLE001
        report["message"] = f"the grader could not run this case: {type(exc).__name__}: {exc}"
    report["blocked_imports"] = sorted(set(report["blocked_imports"]))
    from autograder.sandbox import student
    student.write_fresh(out + ".json", json.dumps(report).encode())


if __name__ == "__main__":
    main()
