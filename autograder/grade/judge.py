"""Judge: run the rubric's one pytest test over every case's sandboxed outcome, in this
trusted process. The plugin records a verdict per case in the session."""
from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

from autograder.assignments import Assignment
from autograder.grading.session import GradingSession

GRADING_DIR = Path(__file__).resolve().parent.parent / "grading"

# Only trusted code runs in this session (student code never does), so per-test output and
# log capture, warning recording and the like only cost time (a few ms per case).
_QUIET_PYTEST = ["--capture=no", "-p", "no:logging", "-p", "no:warnings", "-p", "no:faulthandler",
                 "-p", "no:doctest", "-p", "no:junitxml", "-p", "no:pastebin",
                 "-p", "no:stepwise", "-p", "no:cacheprovider", "-p", "no:unraisableexception",
                 "-p", "no:threadexception"]


def judge(session: GradingSession, assignment: Assignment) -> None:
    """Fill ``session.verdicts``: one per case that pytest ran."""
    import pytest  # here, not at the top: the sandbox is already running by now

    from autograder.grading.plugin import GradingPlugin

    args = [str(GRADING_DIR / "test_rubric.py"), "-c", str(GRADING_DIR / "pytest.ini"),
            "--rootdir", str(GRADING_DIR), "-p", "no:terminal", *_QUIET_PYTEST]
    saved = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            pytest.main(args, plugins=[GradingPlugin(session)])
    finally:
        if saved is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = saved
