"""Each assignment's own tests, one folder per assignment (tests/assignments/<name>/): its
solution's numerics and tools, its provided code, its scenario unit tests, and its oracle and
hostile corpus, which the generic suites in tests/ read. An assignment without a folder here
still gets every generic suite (docs/new-assignment.md)."""
