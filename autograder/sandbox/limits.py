"""Every limit the sandbox enforces, in one place.

Instructors override them in the rubric's ``[limits]`` table (same names); tests pass their own
``Limits`` to ``run_cases``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
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

    @classmethod
    def from_mapping(cls, values: dict) -> "Limits":
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
