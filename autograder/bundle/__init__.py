"""Deployment bundles: the Gradescope autograder zip (``python -m autograder gradescope-bundle``),
the Autolab files (``python -m autograder autolab-bundle``) and a PrairieLearn question
(``python -m autograder prairielearn-bundle``). Each ships the grader package with the rubric and
every reference (visible and hidden), never solution/ or the kit's tests; fallback.py is the one
stand-alone writer of a no-points result for the platforms that read a results file."""


class BundleError(Exception):
    """The bundle cannot be built (one-line message)."""
