"""The pytest plugin that turns the rubric's one test function into graded cases.

Policy lives here, not in the test: ``test_case`` is parametrised with every case of the
suite being graded (its id is the case name, its ``item`` marker the rubric item), and each
outcome is recorded as a verdict.
"""
from __future__ import annotations

import pytest

from autograder.grading.checks import CaseFailed
from autograder.grading.session import GradedCase, GradingSession, Verdict


class GradingPlugin:
    def __init__(self, session: GradingSession):
        self.session = session

    def pytest_configure(self, config):
        config.addinivalue_line("markers", "item(id): the rubric item a case scores")

    def pytest_generate_tests(self, metafunc):
        if "case" not in metafunc.fixturenames:
            return
        metafunc.parametrize("case", [
            pytest.param(GradedCase(c, self.session), id=c.name, marks=pytest.mark.item(c.item))
            for c in self.session.cases])

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
