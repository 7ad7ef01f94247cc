"""The gradebook of a batch: hand scores and comments of the manual rubric items, kept in SQLite
in the batch's output folder (store.py), and the final grades they make with the automatic
results (final.py: grades.csv, summary.json, the Canvas import, each student's feedback).

``python -m autograder gradebook export BATCH_DIR`` writes the final grades without regrading;
``python -m autograder review BATCH_DIR`` (autograder/review/) is where the scores are entered.
"""
