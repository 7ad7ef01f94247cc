"""The `grade` verb: grade one submission, return one GradeResult (every other view derives from it)."""
__all__ = ["SUITE_CHOICES", "GradeRequest", "grade_submission"]

SUITE_CHOICES = ("visible", "all")   # what --suite accepts: the visible cases, or all


def __getattr__(name: str):
    # Imported when first used: `grade` starts its sandbox worker before the pipeline's
    # imports (autograder/grade/cli.py), and importing grade.cli imports this package first.
    if name in ("GradeRequest", "grade_submission"):
        from autograder.grade import pipeline
        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
