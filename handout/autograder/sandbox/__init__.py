"""Run student code in a separate, limited process; only plain float arrays come back."""
from .limits import Limits
from .runner import CaseOutcome, run_cases

__all__ = ["Limits", "CaseOutcome", "run_cases"]
