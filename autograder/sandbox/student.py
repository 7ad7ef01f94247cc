"""Worker-side handling of the student's code: import it, block the libraries its assignment's
policy does not allow (per file), turn what a scenario returns into plain float arrays, and
describe failures in the student's own terms."""
from __future__ import annotations

import builtins
import errno
import importlib
import importlib.abc
import importlib.util
import os
import re
import resource
import sys
import traceback

import numpy as np

from autograder.npz import encode_npz
from autograder.policy import DEFAULT_POLICY, Policy, is_allowed

# Frames that only pass an import along (the blocker, importlib.import_module): the frame
# before them asked for it.
_MACHINERY = frozenset({__file__, importlib.__file__})


_CELL_SUFFIX = re.compile(r"\.ipynb, cell \d+$")


def notebook_of(filename: str) -> str | None:
    """The notebook's path of a cell's compiled file name (autograder/scenarios/notebook.py),
    else None."""
    match = _CELL_SUFFIX.search(filename)
    return filename[: match.start() + len(".ipynb")] if match else None


class ImportRules:
    """Who may import what, set up once in the worker from the job: a file of the submission
    may import the standard library, the submission's own modules and the libraries the policy
    allows that file; any other code (an allowed library's own) may also import what the
    allowed libraries bring with them (``reachable``). Nothing else is importable."""

    def __init__(self, code_dir: str, policy: Policy = DEFAULT_POLICY,
                 reachable: frozenset[str] = frozenset()):
        self.code_dir = code_dir
        self.policy = policy
        self.for_libraries = frozenset(policy.libraries) | frozenset(reachable)
        self._by_file: dict[str, frozenset[str]] = {}
        # Libraries imported before the cases (worker.py) are cached in sys.modules, where the
        # import system never asks a finder again: when some file may not import one of them,
        # each import statement of the submission is checked as well.
        self.check_statements = bool(self.for_libraries - policy.allowed_everywhere)

    def relative(self, filename: str) -> str:
        return os.path.relpath(filename, self.code_dir).replace(os.sep, "/")

    def allowed_in(self, filename: str) -> frozenset[str]:
        allowed = self._by_file.get(filename)
        if allowed is None:
            # A notebook's cell ("<code>/A.ipynb, cell 3") is judged by its notebook's rule.
            notebook = notebook_of(filename)
            allowed = self._by_file[filename] = self.policy.allowed_for(
                self.relative(notebook or filename))
        return allowed


class ImportBlocker(importlib.abc.MetaPathFinder):
    """Refuses what ``rules`` do not allow; remembers the names the student's code itself
    asked for."""

    def __init__(self, code_dir: str, own_modules: list[str], rules: ImportRules | None = None):
        self.code_dir = code_dir
        self.own = frozenset(own_modules)
        self.rules = rules or ImportRules(code_dir)
        self.blocked: list[str] = []

    def find_spec(self, fullname, path=None, target=None):
        asker = self._asker()
        if asker is None and not is_allowed(fullname.partition(".")[0], self.rules.for_libraries,
                                            self.own):
            # A library probing for an optional dependency (importlib.util.find_spec, or
            # `try: import colorama / except ModuleNotFoundError`, as torch does) must see it
            # absent, not an error it does not expect; and absent it is, since the worker's
            # sys.path holds only the sandbox's site, the standard library and the submission.
            return None
        self.check(fullname, asker)
        return None

    def check(self, name: str, asker: str | None) -> None:
        """Raise ImportError unless code in the file ``asker`` (None: not the submission's)
        may import ``name``."""
        top = name.partition(".")[0]
        if asker is None:
            if is_allowed(top, self.rules.for_libraries, self.own):
                return
            where, allowed = "", self.rules.policy.describe("")
        else:
            if is_allowed(top, self.rules.allowed_in(asker), self.own):
                return
            # A notebook's forbidden import costs that notebook's items only (its cell fails),
            # never the submission's score: intake flags it apart (submission/imports.py).
            if notebook_of(asker) is None:
                self.blocked.append(top)
            relative = self.rules.relative(asker)
            where = f" in {relative}"
            allowed = self.rules.policy.describe(self.rules.relative(notebook_of(asker) or asker))
        raise ImportError(f"import of '{top}' is not allowed{where}: use only {allowed} "
                          f"(if '{top}' is yours, it is missing from the submission)")

    def _asker(self) -> str | None:
        """The submission's file that asked for the import, or None (other code asked)."""
        frame = sys._getframe(1)
        while frame is not None:
            name = frame.f_code.co_filename
            # The first frame that is neither the import machinery nor this blocker asked.
            if not name.startswith("<frozen") and name not in _MACHINERY:
                return name if name.startswith(self.code_dir) else None
            frame = frame.f_back
        return None


def install_import_blocker(code_dir: str, own_modules: list[str],
                           rules: ImportRules | None = None) -> ImportBlocker:
    """A new blocker in front of every other finder (an earlier one, if any, is replaced)."""
    global _active
    blocker = ImportBlocker(code_dir, own_modules, rules)
    sys.meta_path[:] = [blocker] + [f for f in sys.meta_path if not isinstance(f, ImportBlocker)]
    _active = blocker
    if blocker.rules.check_statements and builtins.__import__ is not _checked_import:
        builtins.__import__ = _checked_import
        importlib.import_module = _checked_import_module
    return blocker


_active: ImportBlocker | None = None
_plain_import = builtins.__import__
_plain_import_module = importlib.import_module


def _checked_import(name, globals=None, locals=None, fromlist=(), level=0):
    """The import statement, which finds modules already imported without asking any finder:
    the blocker judges the submission's own imports first (the finder judges the rest)."""
    if level == 0 and _active is not None:
        asker = _active._asker()
        if asker is not None:
            _active.check(name, asker)
    return _plain_import(name, globals, locals, fromlist, level)


def _checked_import_module(name, package=None):
    if not name.startswith(".") and _active is not None:
        asker = _active._asker()
        if asker is not None:
            _active.check(name, asker)
    return _plain_import_module(name, package)


def import_libraries(names) -> None:
    """Import the allowed libraries once, in the worker before it forks, each with one thread
    (a library that offers ``set_num_threads``, as PyTorch does, is told so). One that is not
    installed or fails is left for the case that imports it to report."""
    for name in names:
        try:
            module = importlib.import_module(name)
        except Exception:  # noqa: BLE001
            continue
        for setter in ("set_num_threads", "set_num_interop_threads"):
            pin = getattr(module, setter, None)
            if callable(pin):
                try:
                    pin(1)
                except Exception:  # noqa: BLE001  (already set, or not supported)
                    pass


def forget_modules(own_modules: list[str]) -> None:
    """Drop the submission's modules from sys.modules, so the next import runs them afresh."""
    own = frozenset(own_modules)
    for name in [n for n in sys.modules if n.partition(".")[0] in own]:
        del sys.modules[name]


class SubmissionAPI:
    """The contract's names, looked up in the student's module (and, for a package whose
    ``__init__`` does not re-export everything, in the assignment's contract submodules). For
    a module, the submodules are the graded modules beside it (a flat code folder):
    ``api.<submodule>`` is that module, imported by its own name, and names missing from the
    main module are looked up there too."""

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
        elif self._submodules:
            if name in self._submodules:
                return self._sibling(name)
            for sub in self._submodules:
                if self._has_sibling(sub) and hasattr(self._sibling(sub), name):
                    return getattr(self._sibling(sub), name)
        raise AttributeError(f"your submission does not define `{name}`")

    def _has_sibling(self, name: str) -> bool:
        folder = os.path.dirname(getattr(self._module, "__file__", None) or "")
        return os.path.isfile(os.path.join(folder, f"{name}.py"))

    def _sibling(self, name: str):
        """The graded module ``name`` beside the main one, imported (a module the submission
        lacks is an AttributeError naming its file)."""
        if not self._has_sibling(name):
            raise AttributeError(f"your submission has no {name}.py")
        return importlib.import_module(name)


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
