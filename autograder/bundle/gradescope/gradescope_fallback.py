"""Write a valid Gradescope results.json giving 0 points with a reason:
``python3 -I gradescope_fallback.py RESULTS_PATH REASON``.

Used by run_autograder when the grader cannot write a result itself, so it imports nothing but
the standard library. The reason is generic on purpose: grader details go to the run's log
(hidden from students), never into the students' view.
"""
import json
import os
import sys
import tempfile


def fallback_results(reason: str) -> dict:
    return {
        "score": 0.0,
        "output": ("The autograder could not grade this submission: " + reason + ".\n"
                   "This is not a problem with your code; please contact the course staff."),
        "output_format": "text",
        "stdout_visibility": "hidden",
        "tests": [],
        "extra_data": {"autograder_fallback": True, "reason": reason},
    }


def write_atomically(path: str, text: str) -> None:
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


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: gradescope_fallback.py RESULTS_PATH REASON")
    write_atomically(sys.argv[1], json.dumps(fallback_results(sys.argv[2]), indent=2) + "\n")
