# The two commands a newcomer needs: `make demo` (main job) and `make test` (test suite).
# Both install first (tools/install.sh is idempotent and cached).
PY := .venv/bin/python
ARGS ?=
PYTEST_ARGS ?=

.PHONY: install demo test lint format clean-venv

install:
	@bash tools/install.sh

demo: install
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} $(PY) tools/demo.py $(ARGS)

test: install
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m pytest tests -n 2 --dist loadgroup -q -p no:cacheprovider $(PYTEST_ARGS)

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: install
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

clean-venv:
	rm -rf .venv
