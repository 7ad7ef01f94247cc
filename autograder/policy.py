"""The submission policy: which third-party libraries a submission may import (per file, if the
assignment says so) and the sandbox limits its cases run under.

The engine's defaults live here and nowhere else: numpy as the only allowed library, the
machine-learning libraries that are reported as forbidden even where they are not installed,
and every sandbox limit. An assignment overrides them in the ``[policy]`` table of its
``assignment.toml`` (parsed by autograder/assignments.py):

    [policy]
    allowed_imports = ["numpy"]          # third-party top-level packages; default ["numpy"]
    [[policy.files]]                     # optional; the first rule that matches a file wins
    match = "net_torch.py"               # a glob; without "/" it matches a file's name at any
    allowed_imports = ["numpy", "torch"] # depth, with "/" its path from the submission's root
    [policy.limits]                      # any field of Limits below
    case_seconds = 20

The sandbox's worker imports this module in every grading: keep it light (no tomllib here).
"""
from __future__ import annotations

import fnmatch
import sys
from dataclasses import asdict, dataclass, field, fields

MiB = 1024 * 1024

DEFAULT_ALLOWED_IMPORTS: tuple[str, ...] = ("numpy",)
# What the grader's own code in the sandbox (the case families, the result writer) needs,
# whatever a submission may import.
ENGINE_LIBRARIES: tuple[str, ...] = ("numpy",)

# Libraries that are forbidden whether or not this machine has them installed (unless the
# assignment allows them): a submission importing one gets "forbidden-import:X", not
# "missing-module:X".
KNOWN_LIBRARIES = frozenset({
    "torch", "tensorflow", "jax", "jaxlib", "keras", "scipy", "sklearn", "pandas", "cupy",
    "autograd", "mxnet", "paddle", "theano", "numba", "tinygrad", "mlx", "chainer"})

# Standard-library modules missing from sys.stdlib_module_names because their name depends on
# the platform (sysconfig's data, imported by numpy.testing).
_STDLIB_PRIVATE = "_sysconfigdata_"


@dataclass(frozen=True)
class Limits:
    """Every limit the sandbox enforces, with the engine's defaults."""
    case_seconds: float = 20.0          # wall time of one case (import of the submission included)
    submission_seconds: float = 600.0   # wall time of all cases of one submission
    memory_mib: int = 2048              # address space of one case (RLIMIT_AS)
    file_mib: int = 64                  # largest file a case may write, its captured output included
    result_mib: int = 64                # largest result (all arrays of one case) sent back
    captured_chars: int = 4000          # how much of a case's stdout/stderr is kept for the report
    processes: int = 64                 # processes + threads of the sandbox user (root runs only)
    sandbox_uid_base: int = 61000       # root runs use a fresh uid from [base, base + 1000)
    parallel_cases: int = 2             # case processes at once (not a limit: a speed setting)
    cases_per_process: int = 16         # cases of one rubric item run one after another in one
                                        # process (1: every case in a process of its own)
    cell_seconds: float = 60.0          # wall time of one notebook cell (scenarios/notebook.py)
    notebook_seconds: float = 300.0     # wall time of one notebook run; also the cap of a case's
                                        # own time limit (a case spec's ``seconds``)
    reference_factor: float = 50.0      # a case's time limit: this many times the solution's
                                        # time on it (recorded with the references) ...
    min_case_seconds: float = 2.0       # ... but never under this; also the limit of an item's
                                        # later cases once one running the same methods timed out

    @classmethod
    def from_mapping(cls, values: dict) -> "Limits":
        """Raises ValueError (one line) for an unknown name or a value that is not positive."""
        known = {f.name: f.type for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"unknown limit(s): {', '.join(unknown)} (known: {', '.join(known)})")
        clean = {}
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"limit {name} must be a positive number, got {value!r}")
            clean[name] = float(value) if known[name] == "float" else int(value)
        return cls(**clean)

    def to_dict(self) -> dict:
        return asdict(self)

    def seconds_for(self, case: dict) -> float:
        """The wall-time limit of one case (a worker spec). Its ceiling: the case's own
        ``seconds`` when it declares one (a case that executes a notebook), capped by
        ``notebook_seconds``; else ``case_seconds``. Below that: ``reference_factor`` times
        the solution's time on the case (``reference_seconds``, when the references recorded
        it), never under ``min_case_seconds``; and ``min_case_seconds`` for a case marked
        ``short`` (an earlier case of its item that runs the same methods timed out).

        A case that declares its own ``seconds`` keeps them: its recorded time says little,
        since the notebook it executes runs once per process and the item's later cases
        reuse it (0.03 s on the solution), while a rerun after a crash executes it again."""
        own = case.get("seconds")
        ceiling = (float(min(own, self.notebook_seconds)) if _positive(own)
                   else float(self.case_seconds))
        if case.get("short") is True:
            return min(ceiling, self.min_case_seconds)
        reference = case.get("reference_seconds")
        if _positive(reference) and not _positive(own):
            return min(ceiling, max(self.min_case_seconds, self.reference_factor * reference))
        return ceiling

    def import_seconds(self, cases: list[dict]) -> float:
        """The time limit of importing the submission once (the sandbox's import probe). Every
        case imports it afresh within its own time, so the solution's fastest case bounds
        the solution's import: ``reference_factor`` times that, never under
        ``min_case_seconds``, never over ``case_seconds``. Without a recorded time for every
        case (older references): ``case_seconds``."""
        times = [case.get("reference_seconds") for case in cases]
        if not times or not all(_positive(t) for t in times):
            return float(self.case_seconds)
        return min(float(self.case_seconds),
                   max(self.min_case_seconds, self.reference_factor * min(times)))


def _positive(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and value > 0


@dataclass(frozen=True)
class FileRule:
    """The libraries the files matching ``match`` may import (instead of the default list)."""
    match: str
    allowed_imports: tuple[str, ...]

    def matches(self, relative_path: str) -> bool:
        """``relative_path``: a file's path from the submission's root, with "/"."""
        if "/" in self.match:
            return fnmatch.fnmatchcase(relative_path, self.match)
        return fnmatch.fnmatchcase(relative_path.rpartition("/")[2], self.match)


@dataclass(frozen=True)
class Policy:
    allowed_imports: tuple[str, ...] = DEFAULT_ALLOWED_IMPORTS
    files: tuple[FileRule, ...] = ()
    limits: Limits = field(default_factory=Limits)

    def allowed_for(self, relative_path: str) -> frozenset[str]:
        """The third-party libraries one file may import (its path from the submission's
        root, with "/")."""
        for rule in self.files:
            if rule.matches(relative_path):
                return frozenset(rule.allowed_imports)
        return frozenset(self.allowed_imports)

    @property
    def libraries(self) -> tuple[str, ...]:
        """Every library some file may import, sorted: what the sandbox exposes and imports
        once before the cases."""
        names = set(self.allowed_imports)
        for rule in self.files:
            names.update(rule.allowed_imports)
        return tuple(sorted(names))

    @property
    def allowed_everywhere(self) -> frozenset[str]:
        """The libraries every file may import."""
        common = set(self.allowed_imports)
        for rule in self.files:
            common &= set(rule.allowed_imports)
        return frozenset(common)

    def import_flag(self, name: str) -> str:
        """The flag of an import the policy refused: a known or installed library is
        "forbidden-import:X"; anything else is a module the submission lacks,
        "missing-module:X"."""
        import importlib.util
        top = name.partition(".")[0]
        try:
            installed = importlib.util.find_spec(top) is not None
        except (ImportError, ValueError):
            installed = False
        if top in KNOWN_LIBRARIES or installed:
            return f"forbidden-import:{top}"
        return f"missing-module:{top}"

    def describe(self, relative_path: str) -> str:
        """What one file may import, for a student: "numpy, the Python standard library and
        your own files"."""
        names = sorted(self.allowed_for(relative_path))
        return ", ".join([*names, "the Python standard library"]) + " and your own files"

    def to_job(self) -> dict:
        """Plain JSON for the sandbox's worker."""
        return {"allowed_imports": list(self.allowed_imports),
                "files": [{"match": r.match, "allowed_imports": list(r.allowed_imports)}
                          for r in self.files],
                "limits": self.limits.to_dict()}

    @classmethod
    def from_job(cls, job: dict) -> "Policy":
        return cls(tuple(job["allowed_imports"]),
                   tuple(FileRule(r["match"], tuple(r["allowed_imports"])) for r in job["files"]),
                   Limits(**job["limits"]))


DEFAULT_POLICY = Policy()


def is_allowed(top_level_name: str, libraries: frozenset[str] | tuple[str, ...],
               own_modules=frozenset()) -> bool:
    """True for the standard library, the given third-party ``libraries`` and the submission's
    own top-level modules. A dotted name is judged by its first component. Pure: no import, no
    file access."""
    top = top_level_name.partition(".")[0]
    return bool(top) and (top in own_modules or top in libraries
                          or top in sys.stdlib_module_names or top.startswith(_STDLIB_PRIVATE))
