# Tuber: `make run` starts the whole platform locally, `make test` runs every test.
# Both set themselves up on a fresh machine (virtual environment, packages, ffmpeg, Chromium).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast demo bench venv system-deps indexes clean

run: venv system-deps
	$(BIN)/python -m local.stack $(ARGS)

demo: venv system-deps
	$(BIN)/python -m local.stack --demo $(ARGS)

test: venv system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: venv
	$(BIN)/python -m pytest -m "not slow and not e2e" $(PYTEST_ARGS)

bench: venv system-deps
	$(BIN)/python -m bench.run

indexes: venv
	$(BIN)/python -m tuber_common.indexes

venv: $(STAMP)

$(STAMP): requirements-dev.txt layers/common/requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Tuber needs Python 3.11 (the Lambda runtime), found " + sys.version)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

system-deps:
	@scripts/install-system-deps.sh

clean:
	rm -rf $(VENV) .aws-sam .local-data .pytest_cache

# The static web client: npm ci (web/package-lock.json) and hls.js vendored into web/vendor/.
.PHONY: web
web:
	@scripts/build-web.sh
