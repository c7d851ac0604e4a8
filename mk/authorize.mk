# make authorize: store a seller's first TikTok tokens in the credentials secret, or in a seller's own
# secret and the shop directory (see docs/credentials-rotation.md and docs/shops.md); make shops and
# make remove-seller: the directory for an operator; make webhooks: a shop's webhook subscriptions at
# TikTok (Event API, docs/webhooks.md). Included by the main Makefile (`include mk/authorize.mk`);
# relies on its SHELL (bash -euo pipefail), BIN and STAMP.
#
#   make authorize CODE=<authorization code> [SHOP_CIPHER=<cipher>] [SECRET_ID=<secret name or ARN>]
#   make authorize CODE=<authorization code> SELLER=<name> [SHOP_CIPHER=<cipher>]
#   make shops
#   make remove-seller SELLER=<name> [RECOVERY_DAYS=<7-30>] [FORCE=1]
#   make webhooks [SHOP=<shop_id>] [ADDRESS=<url>] [LIST=1] [SECRET_ID=<the default secret>]
#   make policy SHOP=<shop_id|default> [FILE=<policy.json>]
#   make decisions [SHOP=<shop_id>] [JSON=1]
#
# app_key and app_secret come from TIKTOK_APP_KEY / TIKTOK_APP_SECRET, else from the secret, else a prompt.
# The seller commands find the shop directory, the secret prefix and the rotation function in SHOPS_TABLE,
# SELLER_SECRET_PREFIX and ROTATE_CREDENTIALS_FUNCTION_ARN, else in the outputs of the stack samconfig.toml
# records. AWS access (scripts/aws_access.py, the same for every one of these commands): the region from
# AWS_REGION or AWS_DEFAULT_REGION (AWS_REGION wins when they differ), else the one samconfig.toml saved;
# the profile from AWS_PROFILE, else samconfig.toml's. Without a region or credentials a command stops with
# one line that says how to set them (the script's exit 3; make shows it as "Error 3"). Every failure is one
# line and an exit code, never a traceback (scripts/operator_common.py). The recipes are not echoed: CODE is
# a credential.
#
# LOCAL=1: the same commands against the running local stack (make local-up): its moto and TikTok emulator,
# never AWS; a seller's rotation stays off there (--no-rotation: the local stack has no Lambda service for
# Secrets Manager to call). make local-auth-code SELLER=<open_id> hands out the code to use. make webhooks
# LOCAL=1 needs ADDRESS= (the local stack has no API, so no WebhookUrl), and without SHOP,
# SECRET_ID=tiktok-shop/credentials (the local default secret).

CODE ?=
SHOP_CIPHER ?=
SECRET_ID ?=
SELLER ?=
RECOVERY_DAYS ?=
FORCE ?=
SHOP ?=
ADDRESS ?=
LIST ?=
LOCAL ?=
# SELLER given, even empty (SELLER= : the seller's open_id names its secret): seller mode. Tested by origin,
# since an empty value and an absent one expand alike.
SELLER_GIVEN := $(filter command line environment,$(origin SELLER))
# The scripts import the layer's tiktok_shop and its shop directory writer, no function.
OPERATOR_PATH := PYTHONPATH=layers/tiktok_shop
ifneq ($(LOCAL),)
OPERATOR_PATH := PYTHONPATH=local $(BIN)/python -m local_stack operator -- env $(OPERATOR_PATH)
LOCAL_AUTHORIZE_ARGS := --no-rotation
endif

.PHONY: authorize shops remove-seller webhooks

authorize: $(STAMP) ## Exchange a seller's authorization code for tokens, into the secret: make authorize CODE=... [SELLER=...]
	@if [ -z "$(CODE)" ]; then \
		echo "usage: make authorize CODE=<authorization code> [SELLER=<name>] [SHOP_CIPHER=<cipher>] [SECRET_ID=<secret>]" >&2; \
		exit 2; \
	fi
	@$(OPERATOR_PATH) $(BIN)/python scripts/authorize.py --code="$(CODE)" \
		$(if $(SHOP_CIPHER),--shop-cipher="$(SHOP_CIPHER)") $(if $(SECRET_ID),--secret-id="$(SECRET_ID)") \
		$(if $(SELLER_GIVEN),--seller$(if $(SELLER),="$(SELLER)") $(LOCAL_AUTHORIZE_ARGS))

shops: $(STAMP) ## The shop directory: every shop, its seller, the token expiry dates
	@$(OPERATOR_PATH) $(BIN)/python scripts/shops.py list

remove-seller: $(STAMP) ## A seller's shops out of the directory, its secret scheduled for deletion: make remove-seller SELLER=...
	@if [ -z "$(SELLER)" ]; then \
		echo "usage: make remove-seller SELLER=<name> [RECOVERY_DAYS=<7-30>] [FORCE=1]" >&2; \
		exit 2; \
	fi
	@$(OPERATOR_PATH) $(BIN)/python scripts/shops.py remove-seller "$(SELLER)" \
		$(if $(RECOVERY_DAYS),--recovery-days="$(RECOVERY_DAYS)") $(if $(FORCE),--force)

webhooks: $(STAMP) ## Subscribe a shop's TikTok webhooks to the stack's URL (Event API): make webhooks [SHOP=...] [ADDRESS=...] [LIST=1]
	@$(OPERATOR_PATH) $(BIN)/python scripts/webhooks.py $(if $(SHOP),--shop="$(SHOP)") \
		$(if $(ADDRESS),--address="$(ADDRESS)") $(if $(LIST),--list) $(if $(SECRET_ID),--secret-id="$(SECRET_ID)")

# make policy / make decisions: the autopilot's policies and decision log
# (scripts/autopilot_operator.py); the tables from POLICIES_TABLE / DECISIONS_TABLE, else the deployed stack's outputs; LOCAL=1 for the local stack.
FILE ?=
JSON ?=

.PHONY: policy decisions

policy: $(STAMP) ## The autopilot policy of a shop: make policy SHOP=<id|default> [FILE=<json> to set it]
	@if [ -z "$(SHOP)" ]; then \
		echo "usage: make policy SHOP=<shop_id|default> [FILE=<policy.json>]" >&2; \
		exit 2; \
	fi
	@$(OPERATOR_PATH) $(BIN)/python scripts/autopilot_operator.py policy "$(SHOP)" $(if $(FILE),--file="$(FILE)")

decisions: $(STAMP) ## The autopilot's decision log, newest first: make decisions [SHOP=<id>] [JSON=1]
	@$(OPERATOR_PATH) $(BIN)/python scripts/autopilot_operator.py decisions $(if $(SHOP),--shop="$(SHOP)") $(if $(JSON),--json)
