"""The hostile corpus: broken and malicious submissions, and what the grader must do with them.

``corpus`` holds the attacks (code planted into a copy of the solution, or whole files);
``expect`` holds the checks every hostile grading must pass (containment, fingerprints, processes).
"""
