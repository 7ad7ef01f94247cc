"""Worker-side handling of the student's code: import it, block other libraries, turn what a
scenario returns into plain float arrays, and describe failures in the student's own terms."""
from __future__ import annotations

import errno
import importlib
import importlib.abc
import importlib.util
import os
import resource
import sys
import traceback

import numpy as np

from autograder.npz import encode_npz
from autograder.submission.imports import is_allowed



# Frames that only pass an import along (the blocker, importlib.import_module): the frame
# before them asked for it.
_MACHINERY = frozenset({__file__, importlib.__file__})


class ImportBlocker(importlib.abc.MetaPathFinder):
    """Refuses every top-level module that is not NumPy, the standard library or the
    submission's own; remembers the names the student's code itself asked for."""

    def __init__(self, code_dir: str, own_modules: list[str]):
        self.code_dir = code_dir
        self.own = frozenset(own_modules)
        self.blocked: list[str] = []

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        if is_allowed(top, self.own):
            return None
        if self._asked_by_student():
            self.blocked.append(top)
        raise ImportError(f"import of '{top}' is not allowed: use only numpy, the Python "
                          f"standard library and your own files (if '{top}' is yours, it is "
                          f"missing from the submission)")

    def _asked_by_student(self) -> bool:
        frame = sys._getframe(1)
        while frame is not None:
            name = frame.f_code.co_filename
            # The first frame that is neither the import machinery nor this blocker asked.
            if not name.startswith("<frozen") and name not in _MACHINERY:
                return name.startswith(self.code_dir)
            frame = frame.f_back
        return False


def install_import_blocker(code_dir: str, own_modules: list[str]) -> ImportBlocker:
    """A new blocker in front of every other finder (an earlier one, if any, is replaced)."""
    blocker = ImportBlocker(code_dir, own_modules)
    sys.meta_path[:] = [blocker] + [f for f in sys.meta_path if not isinstance(f, ImportBlocker)]
    return blocker


def forget_modules(own_modules: list[str]) -> None:
    """Drop the submission's modules from sys.modules, so the next import runs them afresh."""
    own = frozenset(own_modules)
    for name in [n for n in sys.modules if n.partition(".")[0] in own]:
        del sys.modules[name]


class SubmissionAPI:
    """The contract's names, looked up in the student's module (and, for a package whose
    ``__init__`` does not re-export everything, in the assignment's contract submodules)."""

    def __init__(self, module, package: bool, submodules: tuple[str, ...] = ()):
        self._module = module
        self._package = package
        self._submodules = tuple(submodules)

    def __getattr__(self, name: str):
        if hasattr(self._module, name):
            return getattr(self._module, name)
        if self._package:
            for sub in self._submodules:
                try:
                    module = importlib.import_module(f"{self._module.__name__}.{sub}")
                except ModuleNotFoundError:
                    continue
                if hasattr(module, name):
                    return getattr(module, name)
        raise AttributeError(f"your submission does not define `{name}`")


class CompiledSubmission(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """The submission's modules compiled once (in the zygote, where nothing is executed) and
    served from memory to every case process, which then only executes them.

    A file that does not compile is left out, so its import falls back to the normal path
    finder and raises the SyntaxError in the case itself, with its line."""

    def __init__(self, code_dir: str):
        self.code_dir = code_dir
        self.modules: dict[str, tuple[object, str, bool]] = {}
        root = os.path.abspath(code_dir)
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d.isidentifier())
            for file in sorted(files):
                if not file.endswith(".py") or not file[:-3].isidentifier():
                    continue
                path = os.path.join(folder, file)
                parts = os.path.relpath(path, root)[:-3].split(os.sep)
                package = parts[-1] == "__init__"
                name = ".".join(parts[:-1] if package else parts)
                if not name:
                    continue
                try:
                    with open(path, "rb") as f:
                        code = compile(f.read(), path, "exec", dont_inherit=True)
                except (SyntaxError, ValueError, OSError, RecursionError, MemoryError):
                    continue  # the case's own import reports it
                self.modules[name] = (code, path, package)

    def find_spec(self, fullname, path=None, target=None):
        entry = self.modules.get(fullname)
        if entry is None:
            return None
        code, file, package = entry
        spec = importlib.util.spec_from_loader(fullname, self, origin=file, is_package=package)
        spec.has_location = True
        if package:
            spec.submodule_search_locations = [os.path.dirname(file)]
        return spec

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        code, file, _ = self.modules[module.__spec__.name]
        module.__file__ = file
        exec(code, module.__dict__)


def load_api(code_dir: str, kind: str, module: str, submodules: tuple[str, ...] = (),
             compiled: CompiledSubmission | None = None) -> SubmissionAPI:
    if code_dir not in sys.path:
        sys.path.insert(0, code_dir)
    if compiled is not None and compiled not in sys.meta_path:
        sys.meta_path.insert(1, compiled)  # after the import blocker
    return SubmissionAPI(importlib.import_module(module), kind == "package", submodules)


def import_submission(code_dir: str, kind: str, module: str, submodules: tuple[str, ...] = (),
                      compiled: CompiledSubmission | None = None) -> None:
    """Run everything a case may import before its scenario: the module and, for a package,
    each contract submodule that ``SubmissionAPI`` would look in and that exists."""
    api = load_api(code_dir, kind, module, submodules, compiled)
    if kind != "package":
        return
    package = api._module.__name__
    for sub in submodules:
        name = f"{package}.{sub}"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def to_plain_arrays(result, max_bytes: int) -> dict[str, np.ndarray]:
    """Every value becomes a fresh float64 ndarray (no subclass, no object dtype can cross)."""
    if not isinstance(result, dict):
        raise TypeError("the grader's scenario did not produce named arrays")
    arrays, total = {}, 0
    for name, value in result.items():
        array = np.array(value, dtype=np.float64, copy=True, subok=False)
        total += array.nbytes
        if total > max_bytes:
            raise ValueError(f"the arrays your code returned are too large "
                             f"(over {max_bytes // (1024 * 1024)} MiB)")
        arrays[str(name)] = array
    return arrays


def write_fresh(path: str, data: bytes) -> None:
    """Write a new file and rename it over ``path``: whatever another case planted there (a
    link, a FIFO) is replaced, never followed or blocked on."""
    temp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(temp, path)


def save_result(path: str, result, max_bytes: int) -> None:
    write_fresh(path, encode_npz(to_plain_arrays(result, max_bytes)))


def _student_frames(exc: BaseException, code_dir: str) -> list[str]:
    lines = []
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.startswith(code_dir):
            where = os.path.relpath(frame.filename, code_dir)
            lines.append(f"  {where}, line {frame.lineno}, in {frame.name}: {(frame.line or '').strip()}")
    return lines[-4:]


def describe_failure(exc: BaseException, code_dir: str, npz_path: str, max_bytes: int) -> dict:
    """Status and message for an exception raised while running a case."""
    partial = getattr(exc, "partial_arrays", None)
    cause = getattr(exc, "exc", None)
    if partial is not None and isinstance(cause, BaseException):
        try:
            save_result(npz_path, partial, max_bytes)
        except Exception:  # noqa: BLE001  (the partial result is a bonus; the failure stands)
            pass
        exc = cause
    if isinstance(exc, NotImplementedError):
        where = _student_frames(exc, code_dir)
        return {"status": "not_implemented",
                "message": "not implemented" + (f" ({where[-1].strip()})" if where else "")}
    if isinstance(exc, MemoryError):
        return {"status": "memory", "message": "ran out of memory (MemoryError)"}
    if isinstance(exc, OSError) and exc.errno == errno.EFBIG:
        limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0] // (1024 * 1024)
        return {"status": "error",
                "message": f"output limit: your code wrote more than {limit} MiB to one file "
                           f"or to stdout/stderr (printing that much counts too)"}
    if isinstance(exc, SystemExit):
        return {"status": "error", "message": f"your code called sys.exit({exc.code!r})"}
    if isinstance(exc, SyntaxError):
        where = os.path.relpath(exc.filename, code_dir) if exc.filename else "?"
        return {"status": "error",
                "message": f"SyntaxError in {where}, line {exc.lineno}: {exc.msg}"}
    # The grader's own findings (a broken contract) are written for the student already.
    text = str(exc) if getattr(exc, "plain_message", False) else f"{type(exc).__name__}: {exc}"
    if isinstance(exc, RecursionError):
        text = "RecursionError: maximum recursion depth exceeded"
    frames = _student_frames(exc, code_dir)
    if frames:
        text += "\n" + "\n".join(frames)
    return {"status": "error", "message": text[:2000]}
