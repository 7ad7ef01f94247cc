# Two commands on a fresh machine:  `make grade`  and  `make test`.
# Both create .venv and install what they need (torch only when its CPU wheel is on disk).
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
TORCH_WHEEL := $(firstword $(wildcard /opt/wheels/torch-2.13.0*.whl))

.PHONY: grade test references handout venv clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements-dev.txt
ifneq ($(TORCH_WHEEL),)
	$(BIN)/pip install -q torch==2.13.0
endif
	touch $(STAMP)

venv: $(STAMP)

## Grade the reference solution on every suite and print the table.
grade: $(STAMP)
	$(BIN)/python -m autograder grade solution

## The kit's own tests (what CI runs).
test: $(STAMP)
	$(BIN)/python -m pytest

## Regenerate the reference tensors from solution/ (then rebuild the handout).
references: $(STAMP)
	$(BIN)/python -m autograder references
	$(BIN)/python build_handout.py

handout: $(STAMP)
	$(BIN)/python build_handout.py

clean:
	rm -rf $(VENV) outputs
