"""The untrusted side: a zygote that imports NumPy and the scenarios once, then forks one child
per case. The child imports the submission, runs the case's scenario and writes
``<case>.npz`` (plain float arrays) and ``<case>.json`` (status and message) into the out folder.

Started by ``runner.py`` as ``python -I -S worker.py`` with a JSON job on stdin; it writes one
JSON line per event on stdout (``start`` and ``done`` of each case). Nothing here is trusted:
the runner validates every byte it reads back.
"""
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
    os.close(0)
    sys.path[0] = job["site_dir"]  # only NumPy and the grader's worker-side code are importable
    sys.dont_write_bytecode = True

    from autograder.sandbox import confine
    from autograder.sandbox.limits import Limits

    limits = Limits(**job["limits"])
    as_root = job["uid"] is not None
    if as_root:
        for note in confine.isolate_as_root(job["work_dir"], job["readable_paths"]):
            print(f"sandbox: {note}", file=sys.stderr)
        confine.drop_privileges(job["uid"])
    confine.set_subreaper()
    confine.set_not_dumpable()

    import numpy  # noqa: F401  (imported once, shared by every forked case)
    from autograder.scenarios import get_family
    families = {case["family"]: get_family(case["family"]) for case in job["cases"]}

    for case in job["cases"]:
        _emit({"event": "start", "case": case["name"]})
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            _run_child(job, case, families[case["family"]], limits, as_root)
        status, timed_out = _wait(pid, limits.case_seconds)
        confine.kill_children()
        _emit({"event": "done", "case": case["name"], "status": status, "timed_out": timed_out,
               "seconds": round(time.monotonic() - started, 4)})


def _wait(pid: int, seconds: float) -> tuple[int, bool]:
    """Wait for the case process; kill its whole group when its time is up."""
    pidfd = os.pidfd_open(pid)
    try:
        ready, _, _ = select.select([pidfd], [], [], seconds)
    finally:
        os.close(pidfd)
    timed_out = not ready
    if timed_out:
        for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
            try:
                kill()
            except ProcessLookupError:
                pass
    _, status = os.waitpid(pid, 0)
    return status, timed_out


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
        confine.apply_case_limits(limits, as_root)
        log = os.open(out + ".log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
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
            api = student.load_api(job["code_dir"], job["kind"], job["module"])
            arrays = family.run(api, case["params"])
            student.save_result(out + ".npz", arrays, limits.result_mib * 1024 * 1024)
            report["status"] = "ok"
        except BaseException as exc:  # noqa: BLE001  (SystemExit and KeyboardInterrupt too)
            report.update(student.describe_failure(exc, job["code_dir"], out + ".npz",
                                                   limits.result_mib * 1024 * 1024))
    except BaseException as exc:  # noqa: BLE001
        report["message"] = f"the grader could not run this case: {type(exc).__name__}: {exc}"
    report["blocked_imports"] = sorted(set(report["blocked_imports"]))
    with open(out + ".json", "w") as f:
        json.dump(report, f)


if __name__ == "__main__":
    main()
