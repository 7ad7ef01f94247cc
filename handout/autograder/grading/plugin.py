"""The pytest plugin that turns the rubric's test functions into graded cases.

Policy lives here, not in the tests: a function ``test_<item id>`` is parametrised with every
case of that item in the suite being graded, and each outcome is recorded as a verdict.
"""
from __future__ import annotations

import pytest

from autograder.grading.checks import CaseFailed
from autograder.grading.session import GradedCase, GradingSession, Verdict


class GradingPlugin:
    def __init__(self, session: GradingSession, item_ids: list[str]):
        self.session = session
        self.item_ids = item_ids
        self.tested_items: set[str] = set()

    def pytest_generate_tests(self, metafunc):
        if "case" not in metafunc.fixturenames:
            return
        item_id = metafunc.function.__name__.removeprefix("test_")
        self.tested_items.add(item_id)
        cases = [GradedCase(c, self.session) for c in self.session.cases if c.item == item_id]
        metafunc.parametrize("case", cases, ids=[c.name for c in cases])

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        case = getattr(getattr(item, "callspec", None), "params", {}).get("case")
        if case is None or report.when == "teardown" or (report.when == "setup" and report.passed):
            return report
        if report.passed:
            self.session.verdicts[case.name] = Verdict(True, "")
        elif call.excinfo is not None and call.excinfo.errisinstance(CaseFailed):
            self.session.verdicts[case.name] = Verdict(False, str(call.excinfo.value))
        else:
            detail = call.excinfo.exconly() if call.excinfo is not None else report.longreprtext
            self.session.verdicts[case.name] = Verdict(
                False, f"internal grader error (not your fault; please report it): {detail}",
                internal_error=True)
        return report
