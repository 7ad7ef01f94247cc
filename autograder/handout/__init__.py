"""The student handout, an instructor verb: ``python -m autograder handout <a> [--check] [--zip]``.

    config.py   solution/<a>/handout.toml: which student files ship, leak rules
    strip.py    the solution-marker stripper (.py files and notebooks)
    leaks.py    the leak scan, independent of the stripper
    verify.py   a stand-alone program run in a fresh interpreter: the packages import, every
                stub raises NotImplementedError
    build.py    render the handout, assemble the archive, write both atomically
    check.py    --check: deterministic, and graded as a student would (stubs 0, solution full)
    cli.py      the verb

The handout is a build product (build/<a>/handout/, build/<a>-handout.zip), never committed.
This package is instructor-only: the student archive does not carry it.
"""
