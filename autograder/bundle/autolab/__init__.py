"""The Autolab entry for one assignment: ``autograde-Makefile`` plus ``autograde.tar`` (the
engine, the assignment's grading spec and all its references, ``autolab-grade.sh``, the pinned
``requirements.txt`` and a zero-score line used when the grader itself fails).

Build them with ``python -m autograder autolab-bundle OUT_DIR``; upload both files to the
assessment. The assessment's problem names must be the rubric item ids.
"""
from __future__ import annotations

import json
from pathlib import Path

from autograder.assignments import Assignment
from autograder.bundle.pins import requirements_text
from autograder.distribution import distribution_files, load_rubric
from autograder.files import tar_bytes, write_bytes

TEMPLATES = Path(__file__).resolve().parent
MAKEFILE, TARBALL, DRIVER = "autograde-Makefile", "autograde.tar", "autolab-grade.sh"


def autolab_tar_files(assignment: Assignment, rubric_path: Path | None = None) -> dict[str, bytes]:
    files = distribution_files(assignment, rubric_path=rubric_path)
    files[DRIVER] = (TEMPLATES / DRIVER).read_bytes()
    files["requirements.txt"] = requirements_text(assignment.policy).encode()
    # Hand-graded items are never named, so a regrade keeps the score the staff entered.
    rubric = load_rubric(rubric_path or assignment.rubric_path)
    zeros = {"scores": {item.id: 0.0 for item in rubric.automatic}}
    files["autolab-zero-scores.json"] = (json.dumps(zeros, separators=(",", ":")) + "\n").encode()
    return files


def build_autolab_bundle(out_dir: Path, assignment: Assignment,
                         rubric_path: Path | None = None) -> list[Path]:
    """Write ``autograde-Makefile`` and ``autograde.tar`` (deterministic) into ``out_dir``."""
    out_dir = Path(out_dir)
    write_bytes(out_dir / MAKEFILE, (TEMPLATES / MAKEFILE).read_bytes())
    write_bytes(out_dir / TARBALL, tar_bytes(autolab_tar_files(assignment, rubric_path),
                                             executables=[DRIVER]))
    return [out_dir / MAKEFILE, out_dir / TARBALL]
