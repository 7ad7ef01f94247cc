"""Shared paths for the kit's own tests."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTION_DIR = ROOT / "solution"
HANDOUT_DIR = ROOT / "handout"
AUTOGRADER_DIR = ROOT / "autograder"
