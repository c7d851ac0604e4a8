# make run and the local stack (see docs/local-development.md). Included by the main Makefile
# (`include mk/local.mk`) after mk/sam.mk; relies on its SHELL (bash -euo pipefail), PYTHON, BIN and STAMP,
# and on SAM_STAMP (the RIE binary ships inside aws-sam-cli). Every target creates what it needs.
#
# The function runs in the Lambda Runtime Interface Emulator with awslambdaric, in a venv of its own
# (.venv-runtime) made with the template's runtime Python (python3.13, from PATH or pyenv) where one exists,
# else with $(PYTHON); then the source layout replaces the sam build output.

RUNTIME_VENV ?= .venv-runtime
RUNTIME_STAMP := $(RUNTIME_VENV)/.installed
LOCAL_STACK := PYTHONPATH=local $(BIN)/python -m local_stack --runtime-venv $(RUNTIME_VENV)
# Extra options for run and local-up, e.g. LOCAL_STACK_ARGS="--layout source", "--moto-port 5001" or
# "--host docker" (listen on the Docker bridge, for sam local invoke's containers).
LOCAL_STACK_ARGS ?=
EVENT ?= events/direct_approve.json
# make invoke CANCEL_ID=<id>: a direct invocation {"cancel_id": "<id>"} instead of EVENT.
# make local-seed CANCEL_ID=<id>[,<id>...] [STATE=<state>]: seeds them (default pending) instead of SEED.
CANCEL_ID ?=
STATE ?= pending

# The local stack needs Linux (see local_stack/platform_check.py): checked first, before any venv is made.
LOCAL_PLATFORM := local-platform
SEED ?= local/tiktok_emulator/seed.json

.PHONY: run local-venvs local-up local-down local-status invoke local-show local-seed local-auth-code buyer-cancels local-platform runtime-venv \
	clean-local soak bench-bulk bench-autopilot bench-sweeper

local-platform:
	@PYTHONPATH=local $(PYTHON) -m local_stack.platform_check

# The stamp records nothing by itself: `local_stack runtime-venv` checks the interpreter and the pins and
# re-makes the venv when either changed.
$(RUNTIME_STAMP): local/runtime-requirements.txt template.yaml $(STAMP)
	$(LOCAL_STACK) runtime-venv
	@touch $@

runtime-venv: $(RUNTIME_STAMP) ## Create .venv-runtime (awslambdaric, Powertools, boto3) for the local runtime

run: $(LOCAL_PLATFORM) local-venvs ## Build, run the function in the Lambda runtime emulator against local AWS and TikTok, stop
	$(LOCAL_STACK) run $(LOCAL_STACK_ARGS)

# The local stack's venvs, installed side by side on a fresh clone (as make test's venvs).
local-venvs:
	@$(MAKE) --no-print-directory -j3 $(STAMP) $(SAM_STAMP) $(RUNTIME_STAMP)

local-up: $(LOCAL_PLATFORM) $(STAMP) $(SAM_STAMP) $(RUNTIME_STAMP) ## Start the local stack in the background (moto and TikTok on env.json's ports 5000, 8765 when free; state in .local-stack/state.json)
	$(LOCAL_STACK) up $(LOCAL_STACK_ARGS)

local-down: $(STAMP) ## Stop the background local stack
	$(LOCAL_STACK) down

local-status: $(STAMP) ## Show the background local stack
	$(LOCAL_STACK) status

invoke: $(LOCAL_PLATFORM) $(STAMP) ## Invoke the background stack (EVENT=events/<file>.json or CANCEL_ID=<id>), show what it did; exit 0 only if every approval asked was made (API 2xx, a direct result, no SQS message failed)
	@$(LOCAL_STACK) invoke $(if $(CANCEL_ID),--cancel-id '$(CANCEL_ID)','$(EVENT)')

local-show: $(LOCAL_PLATFORM) $(STAMP) ## The background stack's dead-letter queue and the TikTok calls it received
	@$(LOCAL_STACK) show

local-seed: $(LOCAL_PLATFORM) $(STAMP) ## Seed the background stack's TikTok: CANCEL_ID=<id> [STATE=pending], or a seed file SEED=<file> (default local/tiktok_emulator/seed.json)
	@$(LOCAL_STACK) seed $(if $(CANCEL_ID),--cancel-id '$(CANCEL_ID)' --state '$(STATE)','$(SEED)')

local-auth-code: $(LOCAL_PLATFORM) $(STAMP) ## An authorization code from the background stack's emulator: make local-auth-code SELLER=<open_id>
	@$(LOCAL_STACK) auth-code $(SELLER)

# make buyer-cancels [SHOP=<shop_id>] [REASON=<reason name>] [AMOUNT=<refund total>] [CURRENCY=<code>]
SHOP ?=
REASON ?=
AMOUNT ?=
CURRENCY ?=

buyer-cancels: $(LOCAL_PLATFORM) $(STAMP) ## A buyer's cancellation request in the background stack's TikTok (SHOP=<shop_id> REASON= AMOUNT= CURRENCY=, all optional); prints its cancel_id and order_id
	@$(LOCAL_STACK) buyer-cancel $(if $(SHOP),--shop-id '$(SHOP)') $(if $(REASON),--reason '$(REASON)') \
		$(if $(AMOUNT),--amount '$(AMOUNT)') $(if $(CURRENCY),--currency '$(CURRENCY)')

# Extra options, e.g. SOAK_ARGS="--approvals 200 --visibility-timeout 10 --repeated-key replay".
SOAK_ARGS ?=

soak: $(LOCAL_PLATFORM) $(STAMP) $(SAM_STAMP) $(RUNTIME_STAMP) ## 2,000 approvals through SQS with duplicates and faults; prints the figures
	PYTHONPATH=local:benchmarks $(BIN)/python benchmarks/soak.py --runtime-venv $(RUNTIME_VENV) $(SOAK_ARGS)

# Extra options, e.g. BENCH_BULK_ARGS="--cancellations 500 --limit 20".
BENCH_BULK_ARGS ?=

bench-bulk: $(LOCAL_PLATFORM) $(STAMP) $(SAM_STAMP) $(RUNTIME_STAMP) ## A one-shop backlog drained at TikTok's rate limit, limiter on and off; prints the figures
	PYTHONPATH=local:benchmarks $(BIN)/python benchmarks/bulk.py --runtime-venv $(RUNTIME_VENV) $(BENCH_BULK_ARGS)

# Extra options, e.g. BENCH_AUTOPILOT_ARGS="--cancellations 500 --rate 10".
BENCH_AUTOPILOT_ARGS ?=

bench-autopilot: $(LOCAL_PLATFORM) $(STAMP) $(SAM_STAMP) $(RUNTIME_STAMP) ## 200 buyers' cancellations of 3 shops, creation to approval through webhook, policy and queues; prints p50/p99/max
	PYTHONPATH=local:benchmarks $(BIN)/python benchmarks/autopilot_latency.py --runtime-venv $(RUNTIME_VENV) $(BENCH_AUTOPILOT_ARGS)

# A target of its own rather than a mode of bench-autopilot: another question (throughput at TikTok's rate
# limit and the webhooks' backstop, not the webhook path's latency), other defaults, another verdict.
# Extra options, e.g. BENCH_SWEEPER_ARGS="--cancellations 300 --lossy 60 --loss-share 0.5".
BENCH_SWEEPER_ARGS ?=

bench-sweeper: $(LOCAL_PLATFORM) $(STAMP) $(SAM_STAMP) $(RUNTIME_STAMP) ## The sweeper: 1,000 pending of 3 shops (webhooks off) at TikTok's 50/s; then 200 with 30% of webhooks lost, one sweep; prints the figures
	PYTHONPATH=local:benchmarks $(BIN)/python benchmarks/autopilot_sweep.py --runtime-venv $(RUNTIME_VENV) $(BENCH_SWEEPER_ARGS)

clean-local: ## Stop the background stack; remove .local-stack/ and .venv-runtime
	@if [ -x $(BIN)/python ]; then $(LOCAL_STACK) down; fi
	rm -rf .local-stack $(RUNTIME_VENV)
