"""Grade a whole class: one process per submission, per-student JSON, grades.csv, summary.json
and report.png, resumable after an interruption (``python -m autograder batch``)."""
