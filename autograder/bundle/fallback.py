"""Write a valid results file that gives no points and says why, in a platform's format:

    python3 -I fallback.py gradescope|prairielearn RESULTS_PATH REASON

The entry scripts of the bundles (Gradescope's run_autograder, the PrairieLearn question's
tests/run_grader) run it before grading, so that a result exists even if the container is killed
for time or memory, and again when the grader stops without writing one. It imports nothing but
the standard library: the grader's own environment may be what broke. The reason is generic on
purpose: grader details go to the run's log, never into the students' view. The result is marked
``extra_data.autograder_fallback`` so that the scripts can tell it from the grader's own.

The Gradescope zip ships this file as ``gradescope_fallback.py``, the PrairieLearn question as
``tests/fallback.py``.
"""
import json
import os
import sys
import tempfile

PLATFORMS = ("gradescope", "prairielearn")


def fallback_results(platform: str, reason: str) -> dict:
    text = ("The autograder could not grade this submission: " + reason + ".\n"
            "This is not a problem with your code; please contact the course staff.")
    marker = {"autograder_fallback": True, "reason": reason}
    if platform == "gradescope":
        return {"score": 0.0, "output": text, "output_format": "text",
                "stdout_visibility": "hidden", "tests": [], "extra_data": marker}
    if platform == "prairielearn":
        # Not gradable: PrairieLearn gives no points and does not count the attempt.
        return {"gradable": False, "score": 0.0, "message": text, "format_errors": [text],
                "output": "", "tests": [], "extra_data": marker}
    raise ValueError("unknown platform " + repr(platform) + "; expected one of " +
                     ", ".join(PLATFORMS))


def write_atomically(path: str, text: str) -> None:
    """The stand-alone twin of autograder/files.py (atomic writes), which this script cannot import."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(prefix=".results.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def main(argv: list) -> int:
    if len(argv) != 3 or argv[0] not in PLATFORMS:
        print("usage: fallback.py gradescope|prairielearn RESULTS_PATH REASON", file=sys.stderr)
        return 2
    platform, path, reason = argv
    write_atomically(path, json.dumps(fallback_results(platform, reason), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
