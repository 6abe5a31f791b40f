# How `sam build` builds every Lambda artifact (template.yaml: `Metadata: BuildMethod: makefile`).
#
# Each code folder has a two-line Makefile that includes this file and names its target:
#   functions/<name>/Makefile   build-<Name>Function: lambda-function
#   layers/common/Makefile      build-CommonLayer: lambda-layer
# SAM copies the code folder (CodeUri) to a scratch folder and runs
# `make --makefile <absolute path of that Makefile> build-<LogicalId>` there, with
# ARTIFACTS_DIR set: the include is found next to the Makefile (MAKEFILE_LIST holds its
# absolute path), never from the scratch folder. Builds run on the host, not in a container
# (`sam build --use-container` would mount only the code folder): the layer's wheels are
# downloaded for the Lambda platform whatever the host is.
#
# Every artifact ships bytecode compiled for the runtime: Lambda cannot write __pycache__
# (/var/task and /opt are read-only), so code without it is compiled again on every cold
# start. The .pyc are hash-based and unchecked: `sam package` zips every file with the same
# 1980-01-01 timestamp (and zip times have a 2 s resolution anyway), so timestamp-checked
# .pyc would not match their sources and would be ignored.

LAMBDA_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
# The runtime of every function and layer (template.yaml: Runtime, CompatibleRuntimes).
LAMBDA_PYTHON_VERSION := 3.13
# Wheels for the template's Architectures: x86_64 -> manylinux2014_x86_64,
# arm64 -> manylinux2014_aarch64 (tests/integration/test_sam_template.py checks they agree).
LAMBDA_PLATFORM := manylinux2014_x86_64

# The bytecode must come from the runtime's Python version (the .pyc magic number changes
# with every minor version): scripts/find-python.sh looks on PATH and in pyenv.
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell $(LAMBDA_ROOT)/scripts/find-python.sh)
endif

# -f: compile everything, whatever is there; -s/-p: tracebacks name the path Lambda sees
# (/var/task, /opt/python), not the build's scratch folder.
lambda_compile = "$(PYTHON)" -m compileall -q -f --invalidation-mode unchecked-hash -s "$(1)" -p "$(2)" "$(1)"

# The code folder's packages (tuber_*/), without the __pycache__ a local run left in them.
define lambda_copy_packages
	@set -e; packages=$$(ls -d tuber_*/ 2>/dev/null || true); \
	test -n "$$packages" || { echo "lambda build: no tuber_* package in $(CURDIR)" >&2; exit 1; }; \
	mkdir -p "$(1)"; \
	for package in $$packages; do rm -rf "$(1)/$$package"; cp -R "$$package" "$(1)/"; done; \
	find "$(1)" -name __pycache__ -type d -prune -exec rm -rf {} +
endef

.PHONY: lambda-python lambda-function lambda-layer

lambda-python:
	@test -n "$(PYTHON)" || { echo "lambda build: no Python $(LAMBDA_PYTHON_VERSION) found (scripts/find-python.sh tells how to get it); or set PYTHON=/path/to/python$(LAMBDA_PYTHON_VERSION)" >&2; exit 1; }
	@"$(PYTHON)" -c 'import sys; want = "$(LAMBDA_PYTHON_VERSION)"; found = "%d.%d" % sys.version_info[:2]; sys.exit(0 if found == want else f"lambda build: the bytecode must be compiled by Python {want} (the Lambda runtime), but $(PYTHON) is Python {found}; set PYTHON=/path/to/python{want}")'

# A function: its own package only (no tests, no template), compiled. /var/task in Lambda.
lambda-function: lambda-python
	$(call lambda_copy_packages,$(ARTIFACTS_DIR))
	$(call lambda_compile,$(ARTIFACTS_DIR),/var/task)

# A layer: its pinned requirements as wheels for the Lambda platform, its packages, all
# compiled. /opt/python in Lambda. (--no-compile: pip would write timestamp .pyc.)
lambda-layer: lambda-python
	rm -rf "$(ARTIFACTS_DIR)/python"
	"$(PYTHON)" -m pip install --quiet --no-compile --disable-pip-version-check --root-user-action=ignore \
	    --platform $(LAMBDA_PLATFORM) --implementation cp \
	    --python-version $(LAMBDA_PYTHON_VERSION) --only-binary=:all: \
	    --target "$(ARTIFACTS_DIR)/python" -r requirements.txt
	@# Console scripts (their shebang names the build's Python): nothing in Lambda runs them.
	rm -rf "$(ARTIFACTS_DIR)/python/bin"
	$(call lambda_copy_packages,$(ARTIFACTS_DIR)/python)
	$(call lambda_compile,$(ARTIFACTS_DIR)/python,/opt/python)
