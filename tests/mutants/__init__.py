"""The mutation suite: one-bug copies of solution/mlp, each a plausible student mistake, graded
end to end to prove that each rubric item catches its bugs and only its bugs (issue 5).

catalogue.py  the mutants, as data
runner.py     apply a mutant to a copy of the solution and grade many at once
report.py     the kill matrix (python -m tests.mutants.report writes docs/kill_matrix.md)
"""
