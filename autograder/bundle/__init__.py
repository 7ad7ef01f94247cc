"""Deployment bundles: the Gradescope autograder zip (``python -m autograder gradescope-bundle``)
and the Autolab files (``python -m autograder autolab-bundle``). Both ship the grader package with
the rubric and every reference (visible and hidden), never solution/ or the kit's tests."""
