"""One grading run: the submission, its cases, and (once run) the sandbox outcomes and the
per-case verdicts the rubric tests record."""
from __future__ import annotations

from dataclasses import dataclass, field

from autograder.manifest import Case
from autograder.sandbox import CaseOutcome, Limits, run_cases


@dataclass
class Verdict:
    passed: bool
    message: str
    internal_error: bool = False


@dataclass
class GradingSession:
    located: object               # autograder.submission.LocatedSubmission
    cases: list[Case]
    limits: Limits
    outcomes: dict[str, CaseOutcome] | None = None
    verdicts: dict[str, Verdict] = field(default_factory=dict)

    def outcome(self, name: str) -> CaseOutcome:
        if self.outcomes is None:  # all cases run in one sandboxed worker, on first need
            self.outcomes = run_cases(self.located, [c.worker_spec() for c in self.cases],
                                      self.limits)
        return self.outcomes[name]


@dataclass
class GradedCase:
    """What a rubric test receives: the case spec, and its outcome on demand."""
    spec: Case
    session: GradingSession

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def outcome(self) -> CaseOutcome:
        return self.session.outcome(self.spec.name)

    def __repr__(self) -> str:
        return self.spec.name
