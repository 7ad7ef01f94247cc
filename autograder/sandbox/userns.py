"""Confinement without root: new user, mount, PID and network namespaces, made with the system
calls directly (docs/security.md, "Non-root runs", says why not bubblewrap).

The worker calls ``confine_unprivileged`` once, after reading its job and before anything of the
submission runs in it. It then sees only a read-only view of what it needs (Python, the allowed
libraries, the grader's sandbox code, a few files of /etc and /dev), its scratch folder
(writable) and a small private /tmp; it has no network and, as the first process of its own PID
namespace, it and the cases it forks cannot see or signal any process outside. When that
process ends, the kernel kills every process left in the namespace.

What the kernel refuses is skipped and named: the result's ``unconfined`` lists the aspects
("filesystem", "network", "processes") that are not confined, which the report carries as the
flag ``unconfined:...``. Linux only.
"""
from __future__ import annotations

import ctypes
import os
import platform
import signal
from dataclasses import dataclass, field

from autograder.sandbox.confine import (CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWUSER, MS_BIND,
                                        MS_NODEV, MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC,
                                        MS_REMOUNT, _libc)

ASPECTS = ("filesystem", "network", "processes")
CLONE_NEWPID = 0x20000000
PR_SET_PDEATHSIG = 1
MNT_DETACH = 2
MS_NOEXEC = 8
# statvfs's f_flag bits -> the mount flags a read-only remount must repeat: the kernel refuses
# to clear, inside a user namespace, a flag the mount was given outside it.
_LOCKED_FLAGS = {1: MS_RDONLY, 2: MS_NOSUID, 4: MS_NODEV, 8: MS_NOEXEC, 1024: 1024, 2048: 2048,
                 4096: 1 << 21}
# glibc wraps neither pivot_root nor capset.
_SYSCALLS = {"x86_64": {"pivot_root": 155, "capset": 126},
             "aarch64": {"pivot_root": 41, "capset": 91}}
_NO_PID_NAMESPACE = 97   # exit code: the new PID namespace could not get its own /proc
# Files of /etc the dynamic linker and Python's standard library read; nothing else of /etc.
_ETC_FILES = ("ld.so.cache", "ld.so.conf", "localtime", "passwd", "group", "nsswitch.conf")
_DEVICES = ("null", "zero", "full", "random", "urandom")
_SYSTEM = ("usr", "lib", "lib32", "lib64", "libx32", "bin", "sbin")


@dataclass
class Confinement:
    unconfined: list[str] = field(default_factory=list)   # aspects of ASPECTS not confined
    notes: list[str] = field(default_factory=list)        # why, one line each


def confine_unprivileged(work_dir: str, readable: list[str], tmp_mib: int) -> Confinement:
    """Enter the namespaces and build the file-system view; ``readable``: folders and files
    revealed read-only at their own paths; ``work_dir``: the scratch folder, revealed writable;
    ``tmp_mib``: the size of the private /tmp. May fork (a PID namespace needs a first process):
    the calling process then only waits and exits with the new one's exit code, so the caller
    carries on in the confined process either way. Capabilities in the new user namespace are
    dropped before returning."""
    result = Confinement()
    uid, gid = os.getuid(), os.getgid()
    if _libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET) != 0:
        result.unconfined = list(ASPECTS)
        result.notes.append(f"user namespaces refused: {_error()}")
        return result
    try:
        _write_id_maps(uid, gid)
    except OSError as exc:   # the network namespace holds; nothing else can be set up
        result.unconfined = ["filesystem", "processes"]
        result.notes.append(f"user namespace id maps: {exc}")
        return result
    in_new_pids = _enter_pid_namespace(work_dir, result)
    try:
        _build_root(work_dir, readable, tmp_mib, fresh_proc=in_new_pids)
    except OSError as exc:
        result.unconfined.append("filesystem")
        result.notes.append(f"file system view: {exc}")
        if in_new_pids:   # the outer /proc's process ids are not this namespace's
            _libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
    _drop_capabilities(result)
    result.unconfined = sorted(set(result.unconfined), key=ASPECTS.index)
    return result


def build_root(work_dir: str, readable: list[str], tmp_mib: int) -> None:
    """As root, in a new mount namespace: the same view (no PID namespace of its own: a root
    run's sandbox user owns no other process). Raises OSError."""
    _build_root(work_dir, readable, tmp_mib, fresh_proc=False)


def _error() -> str:
    return os.strerror(ctypes.get_errno())


def _call(value: int, what: str) -> None:
    if value != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _write_id_maps(uid: int, gid: int) -> None:
    """Our own uid and gid map to themselves: files keep their owners, as outside."""
    for path, text in (("/proc/self/setgroups", "deny"), ("/proc/self/uid_map", f"{uid} {uid} 1"),
                       ("/proc/self/gid_map", f"{gid} {gid} 1")):
        with open(path, "w") as f:
            f.write(text)


def _enter_pid_namespace(work_dir: str, result: Confinement) -> bool:
    """Make the caller continue as the first process (pid 1) of a new PID namespace. A helper
    process makes the namespace, so that when it cannot be used (no /proc of its own can be
    mounted, as in some containers) the original process carries on outside it, able to fork.
    Processes outside wait for the one inside and exit as it does. True inside the namespace."""
    helper = os.fork()
    if helper == 0:
        try:
            _set_parent_death_signal()
            _call(_libc.unshare(CLONE_NEWPID), "unshare(pid)")
            first = os.fork()
        except OSError:
            os._exit(_NO_PID_NAMESPACE)
        if first == 0:
            _set_parent_death_signal()
            if _proc_mountable(work_dir):
                signal.signal(signal.SIGINT, signal.SIG_DFL)   # init ignores it: no handler
                return True
            os._exit(_NO_PID_NAMESPACE)
        _exit_like(first)
    status = _wait(helper)
    if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == _NO_PID_NAMESPACE):
        _exit_with(status)
    result.unconfined.append("processes")
    result.notes.append("PID namespace: no /proc of its own could be mounted")
    return False


def _proc_mountable(work_dir: str) -> bool:
    """Whether a /proc of this PID namespace can be mounted (tried in a throw-away spot)."""
    probe = os.path.join(work_dir, ".proc-probe")
    try:
        os.mkdir(probe, 0o700)
        if _libc.mount(b"proc", probe.encode(), b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                       None) != 0:
            return False
        _libc.umount2(probe.encode(), MNT_DETACH)
        return True
    except OSError:
        return False
    finally:
        try:
            os.rmdir(probe)
        except OSError:
            pass


def _set_parent_death_signal() -> None:
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _wait(pid: int) -> int:
    while True:
        try:
            return os.waitpid(pid, 0)[1]
        except InterruptedError:
            continue


def _exit_like(pid: int) -> None:
    _exit_with(_wait(pid))


def _exit_with(status: int) -> None:
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))


def _build_root(work_dir: str, readable: list[str], tmp_mib: int, fresh_proc: bool) -> None:
    """A new root: an empty tmpfs holding a private /tmp, read-only bind mounts of the system's
    libraries, ``readable`` and a few files of /etc and /dev, a writable bind of ``work_dir``,
    and /proc (this PID namespace's own when ``fresh_proc``). pivot_root then makes it the
    root, and the old one is detached: nothing else is reachable."""
    _call(_libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount private")
    root = os.path.join(work_dir, ".root")
    os.makedirs(root, mode=0o700, exist_ok=True)
    _call(_libc.mount(b"tmpfs", root.encode(), b"tmpfs", MS_NOSUID | MS_NODEV,
                      b"mode=0755,size=1m"), "tmpfs root")
    tmp = root + "/tmp"
    os.makedirs(tmp)
    _call(_libc.mount(b"tmpfs", tmp.encode(), b"tmpfs", MS_NOSUID | MS_NODEV,
                      f"mode=1777,size={max(1, int(tmp_mib))}m".encode()), "tmpfs /tmp")
    for name in _SYSTEM:
        path = os.path.join("/", name)
        if os.path.islink(path):
            os.symlink(os.readlink(path), root + path)
        elif os.path.isdir(path):
            _bind(path, root + path)
    for path in ([f"/etc/{name}" for name in _ETC_FILES] + [f"/dev/{name}" for name in _DEVICES]
                 + sorted(set(readable))):
        if os.path.exists(path):
            _bind(os.path.realpath(path), root + path)
    # Not recursive: the new root, mounted inside the scratch folder, stays out of it.
    _bind(work_dir, root + work_dir, writable=True, recursive=False)
    proc = root + "/proc"
    os.makedirs(proc, exist_ok=True)
    if fresh_proc:
        _call(_libc.mount(b"proc", proc.encode(), b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None),
              "mount /proc")
    else:
        _bind("/proc", proc, writable=True)
    _read_only(root, writable={root + work_dir, tmp, proc})
    os.chdir(root)
    _pivot_root()
    os.chdir("/")


def _bind(source: str, target: str, writable: bool = False, recursive: bool = True) -> None:
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.exists(target):
            with open(target, "w"):
                pass
    _call(_libc.mount(source.encode(), target.encode(), None,
                      MS_BIND | (MS_REC if recursive else 0), None), f"bind {source}")
    if not writable:
        _remount_read_only(target)


def _remount_read_only(point: str) -> None:
    flags = os.statvfs(point).f_flag
    locked = 0
    for bit, flag in _LOCKED_FLAGS.items():
        if flags & bit:
            locked |= flag
    _call(_libc.mount(None, point.encode(), None,
                      MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | locked, None),
          f"read-only {point}")


def _read_only(root: str, writable: set[str]) -> None:
    """Every mount under the new root read-only (submounts of the binds too) except
    ``writable`` and what is below /proc; then the root itself."""
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4].replace("\\040", " ") for line in f]
    for point in points:
        if (not point.startswith(root + "/") or point in writable
                or point.startswith(root + "/proc/")):
            continue
        try:
            _remount_read_only(point)
        except OSError:
            pass   # a submount the kernel keeps as it is (its own flags are locked)
    _remount_read_only(root)


def _pivot_root() -> None:
    number = _SYSCALLS.get(platform.machine(), {}).get("pivot_root")
    if number is not None and _libc.syscall(number, b".", b".") == 0:
        _call(_libc.umount2(b".", MNT_DETACH), "detach the old root")
        return
    _call(_libc.chroot(b"."), "chroot")   # without capabilities, there is no way back out


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def _drop_capabilities(result: Confinement) -> None:
    """No capability left, even inside the new user namespace: the submission can neither
    remount the read-only views nor leave the new root."""
    number = _SYSCALLS.get(platform.machine(), {}).get("capset")
    header = _CapHeader(0x20080522, 0)   # _LINUX_CAPABILITY_VERSION_3
    data = (_CapData * 2)()
    if number is None or _libc.syscall(number, ctypes.byref(header), data) != 0:
        if "filesystem" not in result.unconfined:
            result.unconfined.append("filesystem")
        result.notes.append(f"capabilities could not be dropped: {_error()}")
