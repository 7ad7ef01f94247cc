"""How an assignment's cases are judged. Imports no NumPy until a case is judged, so that the
grader can start the sandbox first."""
from __future__ import annotations

from dataclasses import dataclass

from autograder.scenarios import ScenarioSource


@dataclass(frozen=True)
class Checker:
    """How an assignment's cases are judged: its families' own checks, and the arrays it
    counts as vectors ((1, n) or (n,))."""
    scenarios: ScenarioSource
    vector_names: str | None = None

    @classmethod
    def of(cls, assignment) -> "Checker":
        return cls(assignment.scenarios, assignment.vector_names)

    def failures(self, family: str, got: dict, expected: dict, params: dict,
                 known=None) -> list[str]:
        """One case's failure messages (empty: passed): its family's own ``check``, else
        compare_all. ``known`` (diagnosis.CaseMistakes, or a SignatureCollector while
        references are generated) reaches compare_all however the family calls it."""
        from autograder.compare import compare_all, using_vector_names
        from autograder.diagnosis import using_known_mistakes

        check = getattr(self.scenarios.family(family), "check", None)
        with using_known_mistakes(known), using_vector_names(self.vector_names):
            if check is not None:
                return check(got, expected, params)
            return compare_all(got, expected, params, known=known)
