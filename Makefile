# Two commands on a fresh machine:  `make grade`  and  `make test`.
# Both create .venv and install what they need (torch only when its CPU wheel is on disk).
# Every assignment is a folder solution/<name>/ with its grading spec in solution/<name>/grading/.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
TORCH_WHEEL := $(firstword $(wildcard /opt/wheels/torch-2.13.0*.whl))
ASSIGNMENTS := $(patsubst solution/%/grading/assignment.toml,%,$(wildcard solution/*/grading/assignment.toml))

.PHONY: grade test references handout venv clean

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
test: $(STAMP)
	$(BIN)/python -m pytest

## Regenerate every assignment's reference tensors from its solution (then rebuild the handouts).
references: $(STAMP)
	@set -e; for a in $(ASSIGNMENTS); do $(BIN)/python -m autograder references --assignment $$a; done
	$(BIN)/python build_handout.py

handout: $(STAMP)
	$(BIN)/python build_handout.py

clean:
	rm -rf $(VENV) outputs
