"""What every distribution of one assignment holds: the ONE definition, used by the student
archive (``python -m autograder handout <a> --zip``) and by every platform bundle (Gradescope,
Autolab, PrairieLearn).

A distribution is laid out as the engine finds it by itself (autograder/assignments.py):

    autograder/        the engine; the student copy leaves out the instructor verbs
    grading/           assignment.toml, the validated rubric, the case families (scenarios/) and
                       the modules the grader supplies to submissions (support/);
                       never the case specs (grading reads manifests) nor the mutation
                       catalogue (it quotes solution lines)
    data/<suite>/      the references of each suite shipped: the bundles carry every suite,
                       the student archive the visible one

What is specific to the student archive (the stripped code, the provided code, the README) is
in solution/<a>/handout.toml and autograder/handout/.
"""
from __future__ import annotations

from pathlib import Path

from autograder.assignments import Assignment
from autograder.files import package_files
from autograder.grade.rubric import load_rubric
from autograder.manifest import SUITES, load_manifest

ENGINE_DIR = Path(__file__).resolve().parent      # autograder/
INSTRUCTOR_VERBS = ("batch", "bundle", "gradebook", "handout", "references", "review",
                    "similarity")
STUDENT_SUITES = ("visible",)


def distribution_files(assignment: Assignment, suites=SUITES, rubric_path: Path | None = None,
                       student_copy: bool = False) -> dict[str, bytes]:
    """Path in the distribution -> bytes: engine, grading spec and the references of
    ``suites``. Refuses (ManifestError) a suite whose references do not match its manifest;
    ``rubric_path`` replaces the assignment's rubric (RubricError if unusable);
    ``student_copy`` leaves out the instructor verbs."""
    files = engine_files(student_copy)
    files.update(spec_files(assignment, rubric_path))
    files.update(reference_files(assignment, suites))
    return files


def engine_files(student_copy: bool = False) -> dict[str, bytes]:
    """autograder/... -> bytes (caches left out); the student copy has no instructor verb."""
    files = package_files(ENGINE_DIR, "autograder")
    if student_copy:
        dropped = tuple(f"autograder/{verb}/" for verb in INSTRUCTOR_VERBS)
        files = {name: data for name, data in files.items() if not name.startswith(dropped)}
    return files


def spec_files(assignment: Assignment, rubric_path: Path | None = None) -> dict[str, bytes]:
    """grading/...: assignment.toml, the rubric (validated) and the case families."""
    rubric = load_rubric(rubric_path or assignment.rubric_path)
    files = {"grading/assignment.toml": (assignment.spec_dir / "assignment.toml").read_bytes(),
             "grading/rubric.toml": Path(rubric.path).read_bytes()}
    files.update(package_files(assignment.scenarios_dir, "grading/scenarios"))
    # The modules the grader supplies to every submission (the shape's ``support``): a
    # distribution finds them in grading/support/ (Assignment.support_dir).
    for name in assignment.shape.support:
        files[f"grading/support/{name}"] = (assignment.support_dir / name).read_bytes()
    return files


def reference_files(assignment: Assignment, suites=SUITES) -> dict[str, bytes]:
    """data/<suite>/... for each suite, every reference checked against its manifest first."""
    files = {}
    for suite in suites:
        for case in load_manifest(suite, assignment.data_dir):  # ManifestError names the gap
            case.reference()
        files.update(package_files(assignment.data_dir / suite, f"data/{suite}"))
    return files
