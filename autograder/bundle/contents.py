"""What every distribution of one assignment ships: the engine, the assignment's grading spec
(assignment.toml, a validated rubric, its case families) and its references, in the layout
``autograder/``, ``grading/``, ``data/<suite>/`` that the engine finds by itself
(autograder/assignments.py). The Gradescope and Autolab bundles carry every suite; the student
archive (build_handout.py --zip) carries the visible one and no instructor verb."""
from __future__ import annotations

from pathlib import Path

from autograder.assignments import Assignment
from autograder.bundle.archive import package_files
from autograder.grading.rubric import load_rubric
from autograder.manifest import SUITES, load_manifest

ENGINE_DIR = Path(__file__).resolve().parent.parent      # autograder/
INSTRUCTOR_VERBS = ("batch", "bundle", "references", "similarity")


class BundleError(Exception):
    """The bundle cannot be built (one-line message)."""


def distribution_files(assignment: Assignment, suites=SUITES, rubric_path: Path | None = None,
                       student_copy: bool = False) -> dict[str, bytes]:
    """Path in the distribution -> bytes. Refuses to build without every suite's references
    (checked against their manifests); ``rubric_path`` replaces the assignment's rubric;
    ``student_copy`` leaves out the instructor verbs."""
    files = engine_files(student_copy)
    files.update(spec_files(assignment, rubric_path))
    for suite in suites:
        for case in load_manifest(suite, assignment.data_dir):  # ManifestError names the gap
            case.reference()
        files.update(package_files(assignment.data_dir / suite, f"data/{suite}"))
    return files


def engine_files(student_copy: bool = False) -> dict[str, bytes]:
    files = package_files(ENGINE_DIR, "autograder")
    if student_copy:
        dropped = tuple(f"autograder/{verb}/" for verb in INSTRUCTOR_VERBS)
        files = {name: data for name, data in files.items() if not name.startswith(dropped)}
    return files


def spec_files(assignment: Assignment, rubric_path: Path | None = None) -> dict[str, bytes]:
    """grading/: assignment.toml, the rubric (validated) and the case families; never the case
    specs (grading reads manifests) nor the mutation catalogue (it holds solution lines)."""
    rubric = load_rubric(rubric_path or assignment.rubric_path)   # RubricError if unusable
    files = {"grading/assignment.toml": (assignment.spec_dir / "assignment.toml").read_bytes(),
             "grading/rubric.toml": Path(rubric.path).read_bytes()}
    files.update(package_files(assignment.scenarios_dir, "grading/scenarios"))
    return files


def rubric_item_ids(assignment: Assignment, rubric_path: Path | None = None,
                    automatic: bool = False) -> list[str]:
    """The rubric's item ids; with ``automatic``, only those the grader scores (no manual)."""
    rubric = load_rubric(rubric_path or assignment.rubric_path)
    return [item.id for item in (rubric.automatic if automatic else rubric.items)]
