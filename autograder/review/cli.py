"""python -m autograder review BATCH_DIR [--port N] [--grader NAME] [--anonymous]

Serves the hand grading of a batch's manual rubric items on http://127.0.0.1 (never another
interface) with a random token in the URL, as Jupyter does; prints that URL and then the
progress after every save. Scores and comments go to BATCH_DIR/gradebook.sqlite; then
`python -m autograder gradebook export BATCH_DIR` writes the final grades."""
from __future__ import annotations

import getpass
import sys
from pathlib import Path

from autograder.cli_common import EXIT_OK, fail

PROG = "autograder review"
HOST = "127.0.0.1"


def add_arguments(parser) -> None:
    parser.add_argument("batch_dir", type=Path, metavar="BATCH_DIR",
                        help="the --out folder of batch")
    parser.add_argument("--port", type=int, default=0,
                        help="port on 127.0.0.1 (default: any free port)")
    parser.add_argument("--grader", default=None,
                        help="your name in the gradebook (default: your login name)")
    parser.add_argument("--anonymous", action="store_true",
                        help="hide student names: submissions are numbered in a fixed "
                             "random order")


def main(args) -> int:
    try:
        from werkzeug.serving import make_server
        from autograder.review.app import ReviewConfig, create_app
    except ImportError as exc:
        return fail(PROG, f"needs Flask ({exc.name} is not installed): pip install flask")
    from autograder.gradebook.store import GradebookError
    if not 0 <= args.port <= 65535:
        return fail(PROG, f"--port must be from 0 to 65535, got {args.port}")
    grader = (args.grader or _login()).strip()
    if not grader:
        return fail(PROG, "--grader must not be empty")

    def progress(mark, done, total):
        score = "no score" if mark.score is None else f"{mark.score:g}"
        print(f"saved {mark.item} of {mark.student if not args.anonymous else 'a submission'}"
              f": {score} by {mark.grader}; {done} of {total} marks graded", flush=True)

    config = ReviewConfig(args.batch_dir, grader=grader, anonymous=args.anonymous,
                          on_save=progress)
    try:
        app = create_app(config)
        server = make_server(HOST, args.port, app, threaded=True)
    except GradebookError as exc:
        return fail(PROG, str(exc))
    except OSError as exc:
        return fail(PROG, f"cannot listen on {HOST}:{args.port}: {exc.strerror}")
    classroom = app.extensions["review"]
    done, total = classroom.progress(classroom.book.marks())
    print(f"reviewing {args.batch_dir} as {grader!r}: {len(classroom.entries)} submissions, "
          f"{done} of {total} marks graded; open this URL (Ctrl-C to stop):", flush=True)
    print(f"    http://{HOST}:{server.server_port}/?token={config.token}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print(f"{PROG}: stopped; every save is in {args.batch_dir}/gradebook.sqlite",
              file=sys.stderr)
    finally:
        server.server_close()
    return EXIT_OK


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "grader"
