#!/bin/sh
# usage: autolab-grade.sh HANDIN
# Grades HANDIN with the bundled grader and makes sure the output ends with a score line: the
# grader's --autolab line, or (if the grader could not write one) every item at 0.
# AUTOGRADER_PYTHON picks the interpreter (default python3; it needs the packages in
# requirements.txt).
HERE="$(cd "$(dirname "$0")" && pwd)"
PYTHON="${AUTOGRADER_PYTHON:-python3}"
case "${1:-}" in
    "") HANDIN="" ;;
    /*) HANDIN="$1" ;;
    *) HANDIN="$(pwd)/$1" ;;
esac
OUT="$(mktemp)"
ERR="$(mktemp)"
trap 'rm -f "$OUT" "$ERR"' EXIT
if [ -z "$HANDIN" ]; then
    echo "autograder: no handin file found (expected a file named handin*)"
else
    (cd "$HERE" && "$PYTHON" -m autograder grade "$HANDIN" --autolab >"$OUT" 2>"$ERR")
    code=$?
    cat "$ERR" "$OUT"
fi
case "$(tail -n 1 "$OUT")" in
    '{"scores":'*) ;;
    *)
        echo "autograder: grading failed (exit code ${code:-none}); every item scores 0." \
             "This is not a problem with your code; please contact the course staff."
        cat "$HERE/autolab-zero-scores.json"
        ;;
esac
exit 0
