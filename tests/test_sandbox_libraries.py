"""What the sandbox's library site holds and what the import blocker tells library code:
the folder of a distribution's repaired shared libraries is linked (pillow.libs, which PIL,
and so matplotlib, load libtiff from), and a library probing for an optional dependency
outside the site finds it absent instead of meeting an error it does not expect (torch's
`find_spec("fx2trt_oss")`, its `except ModuleNotFoundError` around `import colorama`)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from autograder.policy import Policy
from autograder.sandbox.libraries import library_site
from autograder.sandbox.student import ImportBlocker, ImportRules


def test_a_distributions_shared_library_folder_is_part_of_the_site():
    spec = importlib.util.find_spec("PIL")
    if spec is None:
        pytest.skip("pillow is not installed")
    native = [p for p in Path(spec.origin).parents[1].glob("pillow*.libs")]
    if not native:
        pytest.skip("this pillow has no repaired shared libraries")
    site = library_site(("matplotlib",))
    assert native[0].resolve() in {p.resolve() for p in site.paths}


def test_library_code_finds_a_module_outside_the_site_absent(tmp_path):
    code_dir = tmp_path / "code"
    code_dir.mkdir()
    blocker = ImportBlocker(str(code_dir), [], ImportRules(str(code_dir), Policy(("numpy",))))
    # Asked from here, a file outside the submission: library code.
    assert blocker.find_spec("colorama_not_in_any_site") is None
    assert blocker.find_spec("numpy") is None            # allowed: found by the next finders


def test_the_submission_itself_is_still_refused(tmp_path):
    code_dir = tmp_path / "code"
    code_dir.mkdir()
    blocker = ImportBlocker(str(code_dir), [], ImportRules(str(code_dir), Policy(("numpy",))))
    student = compile("blocker.find_spec('colorama_not_in_any_site')",
                      str(code_dir / "main.py"), "exec")
    with pytest.raises(ImportError, match="import of 'colorama_not_in_any_site' is not "
                                          "allowed in main.py"):
        exec(student, {"blocker": blocker})
    assert blocker.blocked == ["colorama_not_in_any_site"]
    assert sys.modules.get("colorama_not_in_any_site") is None
