"""One grading run: the submission, its cases, and (once run) the sandbox outcomes and the
per-case verdicts the rubric tests record."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from autograder.grading.checker import Checker
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
    checker: Checker              # the assignment's families and comparison settings
    diagnose_known_mistakes: bool = True
    outcomes: dict[str, CaseOutcome] | None = None
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _failure: BaseException | None = field(default=None, repr=False)
    _ready: dict[str, CaseOutcome] = field(default_factory=dict, repr=False)
    _changed: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def start(self) -> None:
        """Run every case in the sandbox in the background, so that the worker's start-up and
        the cases overlap with pytest's own start-up in this process."""
        if self._thread is None and self.outcomes is None:
            self._thread = threading.Thread(target=self._run, name="sandbox", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            self.outcomes = run_cases(self.located, [c.worker_spec() for c in self.cases],
                                      self.checker.scenarios, self.limits, self._arrived)
        except BaseException as exc:  # noqa: BLE001  (re-raised where the outcomes are needed)
            self._failure = exc
        finally:
            with self._changed:
                self._changed.notify_all()

    def _arrived(self, name: str, outcome: CaseOutcome) -> None:
        with self._changed:
            self._ready[name] = outcome
            self._changed.notify_all()

    def wait(self) -> dict[str, CaseOutcome]:
        if self._thread is None and self.outcomes is None:
            self._run()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._failure is not None:
            raise self._failure
        return self.outcomes

    def outcome(self, name: str) -> CaseOutcome:
        """One case's outcome, as soon as it is final (the rest may still be running)."""
        thread = self._thread
        if thread is not None:
            with self._changed:
                while name not in self._ready and thread.is_alive():
                    self._changed.wait(0.5)
            if name in self._ready:
                return self._ready[name]
        return self.wait()[name]


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
