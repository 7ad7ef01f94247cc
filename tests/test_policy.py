"""The submission policy of an assignment (assignment.toml [policy]): the engine's defaults when
it is absent, per-file rules, sandbox limits, and a one-line error naming the file and the key
for every mistake an instructor can make in it."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.assignments import AssignmentError, load_assignment
from autograder.grade.rubric import RubricError, load_rubric
from autograder.policy import KNOWN_LIBRARIES, FileRule, Limits, Policy
from support import ROOT, assignment

HEAD = 'name = "demo"\n[submission]\npackage = "demo"\nmodule = "demo"\n'


def load(tmp_path: Path, policy: str):
    spec = tmp_path / "grading"
    spec.mkdir(exist_ok=True)
    # A top-level key (no table header) goes before the first table.
    text = HEAD + policy if policy.startswith("[") or not policy else policy + HEAD
    (spec / "assignment.toml").write_text(text)
    return load_assignment(spec, tmp_path / "data")


def test_without_a_policy_table_the_engine_defaults_apply(tmp_path):
    policy = load(tmp_path, "").policy
    assert policy == Policy() and policy.allowed_imports == ("numpy",)
    assert policy.limits == Limits() and policy.files == ()
    assert policy.allowed_for("demo/anything.py") == {"numpy"}


def test_a_full_policy_is_parsed(tmp_path):
    policy = load(tmp_path, '[policy]\nallowed_imports = ["numpy"]\n'
                            '[[policy.files]]\nmatch = "mlp_pytorch.py"\n'
                            'allowed_imports = ["numpy", "torch"]\n'
                            '[[policy.files]]\nmatch = "tools/*.py"\nallowed_imports = []\n'
                            '[policy.limits]\ncase_seconds = 5\nmemory_mib = 512\n').policy
    assert policy.files == (FileRule("mlp_pytorch.py", ("numpy", "torch")),
                            FileRule("tools/*.py", ()))
    assert policy.limits == Limits(case_seconds=5.0, memory_mib=512)
    # A rule without "/" matches the file's name at any depth; with "/", its whole path.
    assert policy.allowed_for("mlp_pytorch.py") == {"numpy", "torch"}
    assert policy.allowed_for("pkg/mlp_pytorch.py") == {"numpy", "torch"}
    assert policy.allowed_for("pkg/modules.py") == {"numpy"}
    assert policy.allowed_for("tools/plot.py") == frozenset()
    assert policy.libraries == ("numpy", "torch")
    assert policy.allowed_everywhere == frozenset()


def test_hw1_and_cw3_keep_their_limits_in_the_policy_and_numpy_only():
    for name in ("hw1", "cw3"):
        policy = assignment(name).policy
        assert policy.allowed_imports == ("numpy",) and policy.files == ()
        assert (policy.limits.case_seconds, policy.limits.submission_seconds,
                policy.limits.memory_mib) == (20.0, 600.0, 2048)
        assert "limits" not in load_rubric(assignment(name).rubric_path).__dict__


@pytest.mark.parametrize("policy, key", [
    ('policy = 3\n', "policy must be a table"),
    ('[policy]\nallowed = ["numpy"]\n', "policy.allowed is not a policy setting"),
    ('[policy]\nallowed_imports = "numpy"\n', "policy.allowed_imports must be a list"),
    ('[policy]\nallowed_imports = ["not a name"]\n', "policy.allowed_imports must be a list"),
    ('[policy]\nfiles = 1\n', "policy.files must be an array of tables"),
    ('[[policy.files]]\nallowed_imports = []\n', "policy.files[0].match must be a glob"),
    ('[[policy.files]]\nmatch = "/abs.py"\nallowed_imports = []\n',
     "policy.files[0].match must be a glob"),
    ('[[policy.files]]\nmatch = "a.py"\n', "policy.files[0] needs allowed_imports"),
    ('[[policy.files]]\nmatch = "a.py"\nallowed_imports = []\nextra = 1\n',
     "policy.files[0].extra is not a rule setting"),
    ('[policy.limits]\ncase_secs = 3\n', "policy.limits: unknown limit(s): case_secs"),
    ('[policy.limits]\ncase_seconds = -1\n', "policy.limits: limit case_seconds must be"),
    ('[policy]\nlimits = 5\n', "policy.limits must be a table"),
])
def test_a_malformed_policy_is_a_one_line_error_naming_the_file_and_key(tmp_path, policy, key):
    with pytest.raises(AssignmentError) as error:
        load(tmp_path, policy)
    message = str(error.value)
    assert key in message and str(tmp_path / "grading" / "assignment.toml") in message
    assert "\n" not in message


def test_a_rubric_with_limits_is_refused_with_where_they_went(tmp_path):
    rubric = tmp_path / "rubric.toml"
    rubric.write_text('[limits]\ncase_seconds = 3\n\n[[item]]\nid = "a"\nname = "A"\npoints = 1\n')
    with pytest.raises(RubricError, match=r"\[limits\] has moved .*\[policy.limits\]"):
        load_rubric(rubric)


def test_a_broken_policy_stops_grading_with_one_line_and_no_traceback(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(ROOT / "tests" / "fixtures" / "tiny_course", course)
    spec = course / "solution" / "tiny" / "grading" / "assignment.toml"
    spec.write_text(spec.read_text() + '\n[policy]\nallowed_imports = "numpy"\n')
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", tmp_path,
                           "--assignment", "tiny"], cwd=ROOT, capture_output=True, text=True,
                          env={"AUTOGRADER_ASSIGNMENTS": str(course), "PATH": "/usr/bin:/bin"},
                          timeout=120)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "policy.allowed_imports" in proc.stderr


def test_import_flags_tell_a_forbidden_library_from_a_missing_module():
    policy = Policy()
    assert "torch" in KNOWN_LIBRARIES
    assert policy.import_flag("torch") == "forbidden-import:torch"
    assert policy.import_flag("torch.nn") == "forbidden-import:torch"
    assert policy.import_flag("json") == "forbidden-import:json"   # installed: a real library
    assert policy.import_flag("no_such_module_here") == "missing-module:no_such_module_here"
