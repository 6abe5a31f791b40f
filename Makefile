# Tuber: `make run` starts the whole platform locally, `make test` runs every test.
# Both set themselves up on a fresh machine (virtual environment, packages, ffmpeg, Chromium).

# Python 3.13, the Lambda runtime (scripts/find-python.sh looks on PATH and in pyenv).
PYTHON ?= $(shell scripts/find-python.sh)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Test processes (pytest-xdist): one per CPU, each with its own SecantusDB, local stack and
# Chromium; a module stays in one process. TEST_WORKERS= runs them all in this one.
TEST_WORKERS ?= -n auto --dist loadfile

.PHONY: run test test-fast demo bench venv system-deps indexes clean

run: venv system-deps web swagger-ui
	$(BIN)/python -m local.stack $(ARGS)

demo: venv system-deps web swagger-ui
	$(BIN)/python -m local.stack --demo $(ARGS)

test: venv system-deps web swagger-ui
	$(BIN)/python -m pytest $(TEST_WORKERS) $(PYTEST_ARGS)

test-fast: venv
	$(BIN)/python -m pytest -m "not slow and not e2e" $(PYTEST_ARGS)

# Every section, or some: make bench BENCH="cold_start warm" (the others' results are kept).
bench: venv system-deps web
	$(BIN)/python -m bench.run $(BENCH)

# Build and deploy to AWS (README, "Deploy to AWS"). SAM CLI lives in its own venv; the
# project venv's bin goes first on PATH so that `sam build` finds python3.13.
SAM := PATH="$(abspath $(BIN)):$$PATH" SAM_CLI_TELEMETRY=0 $(VENV)/tools/sam/bin/sam
.PHONY: build deploy
build: venv web
	$(SAM) build

deploy: build
	$(SAM) deploy $(DEPLOY_ARGS)

indexes: venv
	PYTHONPATH=layers/common $(BIN)/python -m tuber_common.indexes

# Smoke test of a deployment (docs/OPERATIONS.md): make smoke URL=https://<site> [SMOKE_ARGS=...]
# Standard library only: the project's venv when there is one, else python3.
SMOKE_PYTHON ?= $(if $(wildcard $(BIN)/python),$(BIN)/python,python3)
.PHONY: smoke
smoke:
	@test -n "$(URL)" || { echo "usage: make smoke URL=https://<your site> [SMOKE_ARGS='--timeout 600 --multipart']"; exit 2; }
	$(SMOKE_PYTHON) scripts/smoke "$(URL)" $(SMOKE_ARGS)

# SAM CLI and checkov pin packages the runtime must not follow: each gets a venv of its own.
TOOLS := sam checkov
venv: $(STAMP) $(TOOLS:%=$(VENV)/tools/%/.installed)

# A changed requirement updates the venv in place; only another Python version rebuilds it.
$(STAMP): requirements-dev.txt layers/common/requirements.txt scripts/find-python.sh
	@test -n "$(PYTHON)" || { scripts/find-python.sh >/dev/null; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 13) else "Tuber needs Python 3.13 (the Lambda runtime), found " + sys.version)'
	@$(BIN)/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null || \
	  $(PYTHON) -m venv --clear $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

$(VENV)/tools/%/.installed: tools/requirements-%.txt $(STAMP)
	@$(VENV)/tools/$*/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null || \
	  $(PYTHON) -m venv --clear $(VENV)/tools/$*
	$(VENV)/tools/$*/bin/pip install --quiet -r $<
	touch $@

system-deps:
	@scripts/install-system-deps.sh

clean:
	rm -rf $(VENV) .aws-sam .local-data .pytest_cache

# The static web client: npm ci (web/package-lock.json) and hls.js vendored into web/vendor/.
.PHONY: web
web:
	@scripts/build-web.sh

# Swagger UI for the local stack's /docs, from the npm package (no CDN at run time). Without
# npm, /docs falls back to a small built-in page: this step never fails the run.
SWAGGER_UI_VERSION := 5.35.0
SWAGGER_UI_DIR     := .local-data/vendor/swagger-ui
.PHONY: swagger-ui
swagger-ui: $(SWAGGER_UI_DIR)/.version-$(SWAGGER_UI_VERSION)

$(SWAGGER_UI_DIR)/.version-$(SWAGGER_UI_VERSION):
	@command -v npm >/dev/null || { echo "swagger-ui: npm not found, /docs will be a minimal page"; exit 0; }; \
	rm -rf $(SWAGGER_UI_DIR) && mkdir -p $(SWAGGER_UI_DIR) && cd $(SWAGGER_UI_DIR) && \
	npm pack --silent swagger-ui-dist@$(SWAGGER_UI_VERSION) >/dev/null && \
	tar -xzf swagger-ui-dist-$(SWAGGER_UI_VERSION).tgz --strip-components=1 \
	    package/swagger-ui-bundle.js package/swagger-ui.css package/LICENSE && \
	rm swagger-ui-dist-$(SWAGGER_UI_VERSION).tgz && touch .version-$(SWAGGER_UI_VERSION) || \
	echo "swagger-ui: could not vendor swagger-ui-dist, /docs will be a minimal page"
