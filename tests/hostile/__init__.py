"""The hostile corpus: broken and malicious submissions, and what the grader must do with them.

``corpus`` holds the attack templates every assignment shares (each assignment aims them at its
API in tests/assignments/<name>/hostile_corpus.py); ``expect`` the checks every hostile grading
must pass (containment, computed from the case specs and the assignment's ``api_names``;
fingerprints; processes); ``trace`` what each case really runs of the solution; ``grading``
grades end to end with them. The generic suite is tests/test_hostile.py.
"""
