# SAM CLI and infrastructure checks. Included by the main Makefile (`include mk/sam.mk`); relies on its
# SHELL (bash -euo pipefail) and PYTHON. Every target creates what it needs.
#
# aws-sam-cli pins its own boto3, cfn-lint and aws-sam-translator, and checkov pins yet other versions: each
# lives in its own virtual environment so neither drags the project's .venv (boto3, moto, ...) around.

SAM_CLI_VERSION := 1.170.0
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
SAM_STAMP := $(SAM_VENV)/.installed-$(SAM_CLI_VERSION)

CHECKOV_VERSION := 3.3.30
# Inside .venv-sam so that the existing .gitignore and ruff excludes cover it; a venv of its own all the
# same (checkov would downgrade the boto3 that aws-sam-cli runs with).
IAC_VENV := $(SAM_VENV)/checkov
CHECKOV := $(IAC_VENV)/bin/checkov
IAC_STAMP := $(IAC_VENV)/.installed-$(CHECKOV_VERSION)

# validate and build never talk to AWS: a fixed region and dummy credentials keep them working offline and
# make sure a developer's real profile is never used by accident. No telemetry either.
SAM_OFFLINE_ENV := env -u AWS_PROFILE -u AWS_DEFAULT_PROFILE AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 \
	AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing \
	AWS_EC2_METADATA_DISABLED=true SAM_CLI_TELEMETRY=0

# The Lambda runtime packaging/Makefile must find as python3.13 on PATH (template.yaml: Runtime python3.13).
SAM_BUILD_PYTHON_MINOR := 3.13

SAM_BUILD_REQUIRED ?=

.PHONY: sam-venv validate build static-iac clean-sam

$(SAM_STAMP):
	@test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/python -m pip install --quiet $(PIP_NO_COMPILE) "aws-sam-cli==$(SAM_CLI_VERSION)"
	@rm -f $(SAM_VENV)/.installed-*
	@touch $@

sam-venv: $(SAM_STAMP) ## Create .venv-sam with the pinned AWS SAM CLI

validate: $(SAM_STAMP) ## sam validate --lint (SAM schema and cfn-lint), offline
	$(SAM_OFFLINE_ENV) $(SAM) validate --lint --template-file template.yaml

# sam build packages every function and layer with packaging/Makefile (BuildMethod: makefile), which
# compiles them to bytecode with the runtime's interpreter (python3.13) inside the build itself: a plain
# `sam build && sam deploy` ships the same bytecode as `make deploy`. With pyenv, the newest installed
# 3.13.x is added to PYENV_VERSION after the current version(s); otherwise python3.13 must already be on
# PATH. Without one, the build is skipped (exit 0) with the reason, so `make` on a machine without 3.13
# still succeeds. SAM_BUILD_REQUIRED=yes (make deploy) makes that skip a failure.
build: $(SAM_STAMP) ## sam build into .aws-sam/ (packaging/Makefile; needs python3.13, via pyenv when present)
	@minor='$(SAM_BUILD_PYTHON_MINOR)'; \
	if command -v pyenv >/dev/null 2>&1; then \
		found=$$(pyenv versions --bare 2>/dev/null \
			| awk -v m="$$minor." 'substr($$0, 1, length(m)) == m && substr($$0, length(m) + 1) ~ /^[0-9]+$$/' \
			| sort -V | tail -n 1 || true); \
		if [ -n "$$found" ]; then \
			current=$$(pyenv version-name 2>/dev/null || true); \
			export PYENV_VERSION="$${current:+$$current:}$$found"; \
		fi; \
	fi; \
	if ! python$$minor -c 'import sys' >/dev/null 2>&1; then \
		echo "sam build SKIPPED: no python$$minor interpreter (neither on PATH nor in pyenv)."; \
		echo "  packaging/Makefile compiles the bytecode with the runtime's own interpreter (Runtime: python$$minor)."; \
		echo "  Install it, e.g. 'pyenv install $$minor', and run 'make build' again."; \
		if [ -n "$(SAM_BUILD_REQUIRED)" ]; then echo "  make deploy stops here: it deploys only a fresh build."; exit 1; fi; \
		exit 0; \
	fi; \
	echo "sam build with $$(python$$minor --version) ($$(command -v python$$minor))"; \
	$(SAM_OFFLINE_ENV) $(SAM) build --template-file template.yaml --build-dir .aws-sam/build

$(IAC_STAMP):
	@test -x $(IAC_VENV)/bin/python || $(PYTHON) -m venv $(IAC_VENV)
	$(IAC_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(IAC_VENV)/bin/python -m pip install --quiet $(PIP_NO_COMPILE) "checkov==$(CHECKOV_VERSION)"
	@rm -f $(IAC_VENV)/.installed-*
	@touch $@

# Accepted findings are skipped in template.yaml itself (Metadata: checkov: skip), each with its reason.
static-iac: $(IAC_STAMP) ## IaC security scan of template.yaml (checkov), offline
	BC_SKIP_MAPPING=TRUE CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false $(CHECKOV) --file template.yaml \
		--framework cloudformation --compact --quiet --skip-download

clean-sam: ## Remove .aws-sam/ and .venv-sam (with the checkov venv inside)
	rm -rf .aws-sam $(SAM_VENV)
