"""What every bundle ships: the grader package with a validated rubric and all references."""
from __future__ import annotations

from pathlib import Path

from autograder.bundle.archive import package_files
from autograder.grading.rubric import DEFAULT_RUBRIC, load_rubric
from autograder.manifest import DATA_DIR, SUITES, load_manifest

PACKAGE_DIR = Path(__file__).resolve().parent.parent      # autograder/


class BundleError(Exception):
    """The bundle cannot be built (one-line message)."""


def grader_files(rubric_path: Path | None = None) -> dict[str, bytes]:
    """``autograder/...`` -> bytes. Refuses to build without every suite's references (they
    are checked against their manifests); ``rubric_path`` replaces the default rubric."""
    for suite in SUITES:
        cases = load_manifest(suite, DATA_DIR)   # ManifestError names what is missing
        for case in cases:
            case.reference()
    rubric = load_rubric(rubric_path or DEFAULT_RUBRIC)   # RubricError if unusable
    files = package_files(PACKAGE_DIR, "autograder")
    files["autograder/rubric.toml"] = Path(rubric.path).read_bytes()
    return files


def rubric_item_ids(rubric_path: Path | None = None) -> list[str]:
    return [item.id for item in load_rubric(rubric_path or DEFAULT_RUBRIC).items]
