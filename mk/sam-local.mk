# make sam-local: the real `sam local invoke`, `start-api` and `start-lambda` on a Docker engine, against the
# local stack, every answer checked (see docs/local-development.md, "sam local on Docker"). Included by the
# main Makefile (`include mk/sam-local.mk`) after mk/sam.mk; relies on its SHELL, BIN, STAMP and SAM_STAMP.
#
# local/sam_local/with_docker_engine.sh finds or starts the engine (and stops one it started); exit 69 when
# there is none and none can be started here. Options:
#   SAM_LOCAL_BASE=standin   the offline stand-in base image, built once (default)
#   SAM_LOCAL_BASE=aws       AWS's python3.13 base image, pulled by SAM as usual (Docker Desktop, online)
#   SAM_LOCAL_ARGS=...       more options for `python -m sam_local`, e.g. --architecture arm64

SAM_LOCAL_BASE ?= standin
SAM_LOCAL_ARGS ?=

.PHONY: sam-local sam-local-checks clean-sam-local

# The engine first, so that a machine without one stops at once, before any venv is made.
sam-local: ## sam local invoke / start-api / start-lambda on Docker, every answer checked
	local/sam_local/with_docker_engine.sh $(MAKE) --no-print-directory sam-local-checks

# layers/tiktok_shop: the webhook check signs its notifications with tiktok_shop.webhooks, as TikTok signs them.
sam-local-checks: $(STAMP) $(SAM_STAMP)
	PYTHONPATH=local:layers/tiktok_shop $(BIN)/python -m sam_local --base $(SAM_LOCAL_BASE) $(SAM_LOCAL_ARGS)

clean-sam-local: ## Remove .sam-local/ (build, layer cache, logs, and the own engine's data with the image)
	rm -rf .sam-local
