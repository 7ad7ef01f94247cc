"""``python -m autograder review BATCH_DIR``: hand grading in the browser (Flask + Jinja2).

classroom.py  the class as the page sees it: submissions, labels, marks, what is left to grade
paths.py      every file a request may name, confined to BATCH_DIR
app.py        the web app: token, security headers, overview, grading page, JSON API
cli.py        the command: bind 127.0.0.1, print the URL with its token and the progress
"""
