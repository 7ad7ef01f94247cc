"""Operating-system confinement of the worker: namespaces, read-only file system, unprivileged
user, resource limits, and process bookkeeping. Linux only; every step that the platform refuses
is skipped and reported, never fatal, so a non-root student run still works.
"""
from __future__ import annotations

import ctypes
import os
import resource
import signal

_libc = ctypes.CDLL(None, use_errno=True)

PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18


def _call(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def set_subreaper() -> None:
    """Orphaned descendants are re-parented to this process, so none can hide from cleanup."""
    _call(_libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), "prctl(CHILD_SUBREAPER)")


def set_not_dumpable() -> None:
    """Processes of the same user can no longer ptrace this one or open its /proc fds."""
    _call(_libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl(DUMPABLE)")


def set_no_new_privs() -> None:
    """Neither this process nor anything it starts can gain privileges (setuid programs)."""
    _call(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")


def stat_after_name(pid: int) -> list[bytes] | None:
    """The fields of /proc/<pid>/stat after the command name (state, ppid, ...); None if the
    process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    # The command name may contain spaces and parentheses: the fields follow the last ')'.
    return stat[stat.rfind(b")") + 2:].split()


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = stat_after_name(int(entry))
            if fields is not None and len(fields) > 1 and int(fields[1]) == pid:
                found.append(int(entry))
    return found


def processes_of_uid(uid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    found.append(int(entry))
            except OSError:
                pass
    return found


def own_children() -> list[int]:
    """The children of this process, adopted orphans included. The kernel lists each thread's
    children in /proc; reading those few small files costs microseconds where a scan of /proc
    costs a millisecond or more, once per case."""
    pid = os.getpid()
    task = f"/proc/{pid}/task"
    if not os.path.exists(f"{task}/{pid}/children"):  # a kernel without CONFIG_PROC_CHILDREN
        return children_of(pid)
    found = []
    for tid in os.listdir(task):
        try:
            with open(f"{task}/{tid}/children") as f:
                found += [int(p) for p in f.read().split()]
        except FileNotFoundError:  # the thread ended meanwhile
            continue
    return found


def _kill_until_none(find_victims, after_round, rounds: int) -> int:
    """SIGKILL what ``find_victims`` returns, again and again until it returns nothing."""
    killed = 0
    for _ in range(rounds):
        victims = find_victims()
        if not victims:
            break
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        after_round(victims)
    return killed


def _reap(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def kill_children(keep: frozenset[int] = frozenset(), rounds: int = 50) -> int:
    """SIGKILL and reap every child of this process (orphans included, thanks to the subreaper)
    except ``keep``. Repeats until none is left, since a dying child's own children are
    re-parented to us. Returns how many were killed."""
    return _kill_until_none(lambda: [p for p in own_children() if p not in keep],
                            _reap, rounds)


def kill_uid(uid: int, rounds: int = 50) -> int:
    """As root: SIGKILL every process running as ``uid`` (the sandbox user of this run)."""
    return _kill_until_none(lambda: processes_of_uid(uid),
                            lambda _: kill_children(rounds=1), rounds)


def first_closed_folder(folder: str) -> str | None:
    """The highest folder on the way down to ``folder`` (itself included) that other users
    cannot enter (e.g. /root), if any."""
    current = "/"
    for part in folder.strip("/").split("/"):
        current = os.path.join(current, part)
        if not os.stat(current).st_mode & 0o001:
            return current
    return None


def _reveal(paths: list[str], staging_dir: str) -> None:
    """Make ``paths`` (the interpreter, NumPy, the grader) readable by the sandbox user even when
    they live under a private folder such as /root: over that folder goes an empty tmpfs holding
    only read-only bind mounts of those paths. Nothing else of the private folder is visible."""
    hidden = {}
    for path in paths:
        ancestor = first_closed_folder(os.path.dirname(path))
        if ancestor is not None:
            hidden.setdefault(ancestor, []).append(path)
    staged = []
    for number, (ancestor, inner) in enumerate(sorted(hidden.items())):
        for index, path in enumerate(inner):
            stage = os.path.join(staging_dir, f"{number}-{index}")
            os.makedirs(stage, exist_ok=True)
            _call(_libc.mount(path.encode(), stage.encode(), None, MS_BIND | MS_REC, None),
                  f"stage {path}")
            staged.append((stage, path))
        _call(_libc.mount(b"tmpfs", ancestor.encode(), b"tmpfs", MS_NOSUID | MS_NODEV,
                          b"mode=0755,size=1m"), f"tmpfs over {ancestor}")
    for stage, path in staged:
        os.makedirs(path, mode=0o755, exist_ok=True)
        _call(_libc.mount(stage.encode(), path.encode(), None, MS_BIND | MS_REC, None),
              f"reveal {path}")
        _libc.umount2(stage.encode(), 2)  # MNT_DETACH


def isolate_as_root(writable_dir: str, readable_paths: list[str], build_view=None) -> list[str]:
    """New network and mount namespaces; then ``build_view()`` (the view a non-root run gets,
    sandbox/userns.py: only what the worker needs, read-only, and ``writable_dir``) or, when
    it is not given or fails, every mount read-only except ``writable_dir``, with the
    ``readable_paths`` reachable even under a private folder.

    Must run as root, before dropping privileges. Returns the steps that were skipped.
    """
    skipped = []
    try:
        _call(_libc.unshare(CLONE_NEWNS | CLONE_NEWNET), "unshare")
    except OSError as exc:
        return [f"namespaces: {exc}"]
    if build_view is not None:
        try:
            build_view()
            return skipped
        except OSError as exc:
            skipped.append(f"file system view: {exc}; every mount read-only instead")
    try:
        _call(_libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount private")
        _reveal(readable_paths, os.path.join(writable_dir, ".stage"))
        target = writable_dir.encode()
        _call(_libc.mount(target, target, None, MS_BIND, None), "bind scratch")
        with open("/proc/self/mountinfo") as f:
            mount_points = [line.split()[4] for line in f]
        for point in mount_points:
            if point == writable_dir or point.startswith(("/proc", "/sys")):
                continue
            flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID
            if _libc.mount(None, point.encode(), None, flags, None) != 0:
                skipped.append(f"read-only {point}: {os.strerror(ctypes.get_errno())}")
    except OSError as exc:
        skipped.append(f"mounts: {exc}")
    return skipped


def drop_privileges(uid: int) -> None:
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise OSError("could not drop privileges")


def case_cpu_seconds(limits, seconds: float | None = None) -> int:
    """CPU seconds of one case: its wall-time limit (``seconds``, a case's own; None: the
    policy's case_seconds) and 2 more."""
    return int(limits.case_seconds if seconds is None else seconds) + 2


def apply_case_limits(limits, as_root: bool, processes_before: int = 0, cases: int = 1,
                      seconds: list[float] | None = None) -> None:
    """Resource limits of a process that runs ``cases`` cases one after another (inherited by
    anything it starts). The CPU limit's soft part covers the first case; ``allow_cpu_seconds``
    moves it on for each next one, within a hard limit for them all. ``seconds``: each case's
    own wall-time limit, when they differ from case_seconds (cases that run notebooks).

    RLIMIT_NPROC counts every process of the user: as root the sandbox user is fresh, without
    root the user's ``processes_before`` (counted when the worker started) are allowed for."""
    mib = 1024 * 1024
    cpu = case_cpu_seconds(limits)
    every = cpu * max(1, cases)
    if seconds:
        cpu = case_cpu_seconds(limits, seconds[0])
        every = sum(case_cpu_seconds(limits, s) for s in seconds)
    wanted = [
        (resource.RLIMIT_AS, limits.memory_mib * mib, None),
        (resource.RLIMIT_FSIZE, limits.file_mib * mib, None),
        (resource.RLIMIT_CORE, 0, None),
        (resource.RLIMIT_CPU, cpu, every),
        (resource.RLIMIT_NPROC, limits.processes + (0 if as_root else processes_before), None),
    ]
    for which, value, ceiling in wanted:
        ceiling = value if ceiling is None else ceiling
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value, ceiling = min(value, hard), min(ceiling, hard)
        try:
            resource.setrlimit(which, (value, ceiling))
        except (ValueError, OSError):
            pass


def allow_cpu_seconds(limits, seconds: float | None = None) -> None:
    """The next case may use a full case's CPU time from now (within the hard limit);
    ``seconds``: its own wall-time limit (None: case_seconds)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = int(usage.ru_utime + usage.ru_stime) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = used + case_cpu_seconds(limits, seconds)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    except (ValueError, OSError):
        pass
