"""Shared paths for the kit's own tests (the first assignment, hw1, unless a test says so)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTION_DIR = ROOT / "solution" / "hw1"
HANDOUT_DIR = ROOT / "handout" / "hw1"
AUTOGRADER_DIR = ROOT / "autograder"
