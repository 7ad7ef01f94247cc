"""Shared paths for the kit's own tests. Nothing here is any one assignment's: an assignment's
paths come from support.assignment(name), its own tests' setup from tests/assignments/<name>/."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AUTOGRADER_DIR = ROOT / "autograder"


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def built_handout(tmp_path_factory):
    """``built_handout(name)`` -> the folder of that assignment's handout, built from solution/
    by the `handout` verb's own code once per test session (the handout is never committed)."""
    from autograder.assignments import discover
    from autograder.handout.build import assemble, write_folder

    built: dict[str, Path] = {}

    def build(name: str = "hw1") -> Path:
        if name not in built:
            folder = tmp_path_factory.mktemp(f"handout-{name}") / name
            write_folder(assemble(discover(ROOT, environ={})[name]), folder)
            built[name] = folder
        return built[name]

    return build
