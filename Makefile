# Two commands on a fresh machine:  `make grade`  and  `make test`.
# Both create .venv and install what they need (torch only when its CPU wheel is on disk).
# Every assignment is a folder solution/<name>/ with its grading spec in solution/<name>/grading/.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
TORCH_WHEEL := $(firstword $(wildcard /opt/wheels/torch-2.13.0*.whl))
ASSIGNMENTS := $(patsubst solution/%/grading/assignment.toml,%,$(wildcard solution/*/grading/assignment.toml))

.PHONY: grade test references handout venv clean browser

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements-dev.txt
ifneq ($(TORCH_WHEEL),)
	$(BIN)/pip install -q torch==2.13.0
endif
	touch $(STAMP)

venv: $(STAMP)

## Grade every assignment's reference solution on every suite and print one table each.
grade: $(STAMP)
	@set -e; for a in $(ASSIGNMENTS); do \
	    echo "== $$a"; $(BIN)/python -m autograder grade solution/$$a --assignment $$a; done

## The kit's own tests (what CI runs).
test: $(STAMP) browser
	$(BIN)/python -m pytest

## Headless Chromium and its driver for the review page's browser tests (Debian packages),
## installed when missing and we are root (as on CI); otherwise those tests skip and say why.
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	        apt-get update -q && apt-get install -y -q chromium chromium-driver; \
	    else echo "make: no Chromium and not root: the browser tests will be skipped"; fi; \
	fi

## Regenerate every assignment's reference tensors from its solution.
references: $(STAMP)
	@set -e; for a in $(ASSIGNMENTS); do $(BIN)/python -m autograder references --assignment $$a; done

## Build every assignment's handout and student archive into build/, and prove them (--check).
handout: $(STAMP)
	@set -e; for a in $(ASSIGNMENTS); do $(BIN)/python -m autograder handout $$a --zip --check; done

clean:
	rm -rf $(VENV) outputs build
