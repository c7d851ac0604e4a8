# make authorize: store a seller's first TikTok tokens in the credentials secret (see
# docs/credentials-rotation.md). Included by the main Makefile (`include mk/authorize.mk`); relies on its
# SHELL (bash -euo pipefail), BIN and STAMP.
#
#   make authorize CODE=<authorization code> [SHOP_CIPHER=<cipher>] [SECRET_ID=<secret name or ARN>]
#
# app_key and app_secret come from TIKTOK_APP_KEY / TIKTOK_APP_SECRET, else from the secret, else a prompt.
# AWS access is boto3's usual (AWS_PROFILE, AWS_REGION). The recipe is not echoed: CODE is a credential.

CODE ?=
SHOP_CIPHER ?=
SECRET_ID ?=

.PHONY: authorize

authorize: $(STAMP) ## Exchange a seller's authorization code for tokens, into the secret: make authorize CODE=...
	@if [ -z "$(CODE)" ]; then \
		echo "usage: make authorize CODE=<authorization code> [SHOP_CIPHER=<cipher>] [SECRET_ID=<secret>]" >&2; \
		exit 2; \
	fi
	@PYTHONPATH=layers/tiktok_shop $(BIN)/python scripts/authorize.py --code="$(CODE)" \
		$(if $(SHOP_CIPHER),--shop-cipher="$(SHOP_CIPHER)") $(if $(SECRET_ID),--secret-id="$(SECRET_ID)")
