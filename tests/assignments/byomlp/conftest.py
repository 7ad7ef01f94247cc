"""byomlp's own tests: the provided digits.py as a fixture (solution_modules.py loads the
solution by path)."""
import sys

import pytest

from .solution_modules import load_solution_module


@pytest.fixture
def digits(monkeypatch):
    """The provided digits.py, outside grading mode, MNIST_DIR unset; its stand-in module is
    importable under the name digits.py imports."""
    monkeypatch.setitem(sys.modules, "digits_standin", load_solution_module("digits_standin"))
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.delenv("BYOMLP_GRADING", raising=False)
    return load_solution_module("digits")
