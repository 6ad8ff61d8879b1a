# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make demo   the main job end to end on the bundled sample guidebook site
#   make test   the test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test test-all test-gpu bench docs clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,site,sweep,ray,review]'
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/cragcat demo --out demo

test: $(VENV)/.installed
	$(PY) -m pytest -q

test-all: $(VENV)/.installed
	$(PY) -m pytest -q -m 'not gpu'

test-gpu: $(VENV)/.installed
	$(PY) -m pytest -q -m gpu

docs: $(VENV)/.installed
	$(PY) -m cragcat.settings_docs

clean:
	rm -rf $(VENV) demo .pytest_cache
