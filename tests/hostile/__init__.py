"""The hostile corpus: broken and malicious submissions, and what the grader must do with them.

``corpus`` holds the attacks (code planted into a copy of a solution, or whole files): templates
that serve every assignment, and hw1's attacks; ``corpus_cw3`` aims the same templates at CW3.
``expect`` holds the checks every hostile grading must pass (containment, computed from the case
specs per assignment; fingerprints; processes); ``grading`` grades end to end with them.
"""
