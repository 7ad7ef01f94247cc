#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image (the bundle is
# unpacked in $ROOT/source). It installs Python >= 3.11 if the image lacks it, then the grader's
# pinned requirements into $ROOT/venv, which run_autograder uses.
# Image: Gradescope's Ubuntu 22.04 or 24.04 base. AUTOGRADER_ROOT redirects /autograder.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"

recent_enough() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; }

PYTHON=""
for candidate in python3 python3.13 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null 2>&1 && recent_enough "$candidate"; then
        PYTHON="$(command -v "$candidate")"
        break
    fi
done
if [ -z "$PYTHON" ]; then
    # Ubuntu 22.04 ships Python 3.10; 3.11 is in its universe component.
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3.11 python3.11-venv
    PYTHON="$(command -v python3.11)"
fi
if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    apt-get update
    version="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        "python${version}-venv" || apt-get install -y --no-install-recommends python3-venv
fi

"$PYTHON" -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --no-cache-dir --upgrade pip
"$ROOT/venv/bin/python" -m pip install --no-cache-dir -r "$SOURCE/requirements.txt"
chmod 755 "$SOURCE/run_autograder"
# Byte-compile the grader once, so no submission pays for it; fail the image build now, not
# every submission later.
"$ROOT/venv/bin/python" -m compileall -q "$SOURCE/autograder"
cd "$SOURCE" && "$ROOT/venv/bin/python" -c 'import numpy, autograder.grade.pipeline'
