"""The confinement of a worker that does not run as root (autograder/sandbox/userns.py), tried
in a fresh process: what it sees, writes, signals and reaches afterwards. Skipped where the
kernel refuses user namespaces (tests/test_hostile_nonroot.py checks the flag then)."""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from support import ROOT

PROBE = '''
import ctypes, errno, json, os, socket, sys
sys.path.insert(0, {root!r})
from autograder.sandbox import userns
work = {work!r}
done = userns.confine_unprivileged(work, [sys.base_prefix, {package!r}], 4)
report = {{"unconfined": done.unconfined, "notes": done.notes, "pid": os.getpid(),
           "root": sorted(os.listdir("/")), "kit": sorted(os.listdir({root!r}))}}

def attempt(action):
    try:
        action()
        return "ok"
    except OSError as exc:
        return errno.errorcode.get(exc.errno, str(exc.errno))

def write(path):
    with open(path, "w") as f:
        f.write("x")

report["write scratch"] = attempt(lambda: write(work + "/code/x"))
report["write tmp"] = attempt(lambda: write("/tmp/x"))
report["write grader"] = attempt(lambda: write({package!r} + "/x"))
report["read readme"] = attempt(lambda: open({root!r} + "/README.md").read())
report["connect"] = attempt(lambda: socket.create_connection(("127.0.0.1", 22), timeout=1))
report["kill -1"] = attempt(lambda: os.kill(-1, 9))
libc = ctypes.CDLL(None, use_errno=True)
report["umount /usr"] = "ok" if libc.umount2(b"/usr", 2) == 0 else errno.errorcode[ctypes.get_errno()]
report["processes"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
print(json.dumps(report))
'''


@pytest.fixture(scope="module")
def confined():
    with tempfile.TemporaryDirectory(prefix="autograder-") as work:
        (Path(work) / "code").mkdir()
        script = PROBE.format(root=str(ROOT), work=work, package=str(ROOT / "autograder"))
        proc = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True,
                              text=True, timeout=60, cwd=work)
        assert proc.returncode == 0, proc.stderr[-2000:]
        report = json.loads(proc.stdout)
    if report["unconfined"] == ["filesystem", "network", "processes"]:
        pytest.skip(f"user namespaces refused here: {report['notes']}")
    return report


def test_everything_is_confined_where_the_kernel_allows_it(confined):
    assert confined["unconfined"] == [], confined["notes"]


def test_it_is_the_first_process_of_its_own_pid_namespace_and_alone_there(confined):
    assert confined["pid"] == 1
    assert confined["processes"] == [1]
    assert confined["kill -1"] == "ESRCH"   # nothing else to signal


def test_it_sees_only_the_system_python_and_the_grader_and_cannot_undo_that(confined):
    revealed = {Path(sys.base_prefix).resolve().parts[1], ROOT.parts[1]}  # Python, the grader
    assert set(confined["root"]) <= {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32",
                                     "proc", "sbin", "tmp", "usr", *revealed}
    assert confined["kit"] == ["autograder"]      # of the kit, only the grader's package
    assert confined["read readme"] == "ENOENT"
    assert confined["write grader"] == "EROFS"
    assert confined["write scratch"] == "ok" and confined["write tmp"] == "ok"
    assert confined["umount /usr"] == "EPERM"     # no capability left


def test_it_has_no_network(confined):
    assert confined["connect"] == "ENETUNREACH"
