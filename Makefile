# One-command workflows. Each target creates or refreshes the local virtual
# environment (.venv) from the project's own files, then runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.cinerec-installed
EXTRAS ?= test

.PHONY: demo test bench lock clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "cinerec needs Python >= 3.11" or 0)'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[$(EXTRAS)]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cinerec demo

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

# Re-pin every dependency to what currently resolves (run after editing pyproject.toml).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet '.[test]'
	{ echo "# Pinned versions for reproducible CI and demo installs (pip install -c constraints.txt)."; \
	  echo "# Refresh with: make lock"; \
	  .lock-venv/bin/python -m pip freeze --exclude cinerec; } > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
