"""The rubric as one test.

The plugin parametrises ``test_case`` with every case of the suite being graded, in rubric
order, each marked with its rubric item (``@pytest.mark.item(id)``). A case passes when the
submission's outputs, computed in the sandbox, match the saved reference (or obey the
protocol its family checks). An assignment adds cases, never test functions.
"""
from autograder.grading.checks import assert_case_passes


def test_case(case):
    assert_case_passes(case)
