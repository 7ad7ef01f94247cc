"""The `grade` verb: grade one submission, return one GradeResult (every other view derives from it)."""
from .engine import GradeRequest, grade_submission

__all__ = ["GradeRequest", "grade_submission"]
