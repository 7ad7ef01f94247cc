"""Real headless Chromium for the review page's tests and its screenshot: the Debian packages
``chromium`` and ``chromium-driver`` (the Makefile's test target installs them when missing),
driven with selenium; the app served by a real HTTP server in a thread.

    python tests/browser.py --screenshot docs/figures/review.png

writes the screenshot of docs/instructors.md from a synthetic class (benchmarks/review_class.py).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync")


def missing() -> str:
    """Why the browser tests cannot run here, or "" when they can."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -r requirements-dev.txt)"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            return (f"{path} is missing: apt-get install -y chromium chromium-driver "
                    f"(make test does it when run as root)")
    return ""


@contextmanager
def chromium(width: int = 1400, height: int = 900):
    """A fresh headless Chromium (its own profile folder), quit at the end."""
    from selenium import webdriver
    profile = tempfile.mkdtemp(prefix="review-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    driver = webdriver.Chrome(service=webdriver.ChromeService(str(CHROMEDRIVER)),
                              options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@contextmanager
def served(batch_dir: Path, **config):
    """The review app on 127.0.0.1 (a free port) in a thread; yields (base URL, token, app)."""
    from werkzeug.serving import make_server
    from autograder.review.app import ReviewConfig, create_app
    review = ReviewConfig(batch_dir, **config)
    app = create_app(review)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", review.token, app
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def screenshot(dest: Path) -> None:
    """The grading page of a synthetic class, a few marks in, with a reusable comment."""
    from review_class import make_review_class
    from autograder.gradebook.store import Gradebook
    with tempfile.TemporaryDirectory() as scratch:
        batch_dir = Path(scratch) / "results"
        students = make_review_class(batch_dir, 24, seed=3)
        book = Gradebook.open(batch_dir)
        for student, score in zip(students[:5], (9, 7.5, 10, 6, 8.5)):
            book.save(student, "report", score=score, comment="Clear sweep; compare with CW2.",
                      grader="alex", read_version=0, submission="", max_score=10)
        _with_notebook(batch_dir, students[5])
        book.add_remark("report", "No comparison with CW2", -2)
        book.add_remark("report", "Learning-rate sweep well explained", 0)
        with served(batch_dir, grader="alex") as (base, token, _), chromium(1400, 1000) as driver:
            driver.get(f"{base}/grade/6/report?token={token}")
            driver.find_element("css selector", ".apply-remark").click()
            driver.save_screenshot(str(dest))


def _with_notebook(batch_dir: Path, student: str) -> None:
    """Give one student a notebook export in place of the PDF (headless Chromium has no PDF
    viewer to show in a screenshot)."""
    import json
    (batch_dir / "files" / student / "report.pdf").unlink()
    cells = "".join(
        f'<div style="margin:8px 0"><pre style="background:#f3f4f6;padding:6px">In [{n}]: '
        f'{code}</pre><pre style="padding:0 6px">{out}</pre></div>'
        for n, (code, out) in enumerate([
            ("for lr in (0.01, 0.05, 0.1):\n    history[lr] = train(lr=lr, epochs=20)",
             "lr 0.01: val acc 0.912\nlr 0.05: val acc 0.951\nlr 0.1:  val acc 0.944"),
            ("best = max(history, key=lambda lr: history[lr].val_acc[-1])", ""),
            ("print(f\"best lr {best}; momentum 0.9 halves the epochs to 95%\")",
             "best lr 0.05; momentum 0.9 halves the epochs to 95%")], 1))
    path = batch_dir / f"{student}.json"
    data = json.loads(path.read_text())
    data["exports"] = {"experiments.ipynb": (
        "<!DOCTYPE html><html><body style=\"font:13px sans-serif\"><h2>Experiments: learning rate and "
        f"momentum</h2>{cells}</body></html>")}
    path.write_text(json.dumps(data))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screenshot", type=Path, required=True)
    args = parser.parse_args()
    reason = missing()
    if reason:
        sys.exit(f"browser.py: {reason}")
    args.screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot(args.screenshot)
    print(f"wrote {args.screenshot}")


if __name__ == "__main__":
    os.environ.setdefault("MPLBACKEND", "Agg")
    main()
