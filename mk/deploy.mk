# make deploy, make logs and make outputs: the SAM CLI of .venv-sam against the stack samconfig.toml records
# (scripts/deployed_stack.py builds the commands). Included by the main Makefile (`include mk/deploy.mk`)
# after mk/sam.mk; relies on its SHELL, BIN, STAMP, SAM and SAM_STAMP.
#
#   make deploy [GUIDED=1] [DEPLOY_ARGS="--parameter-overrides AlarmEmail=ops@example.com"]
#   make logs [TAIL=1] [LOGS_ARGS="--start-time '10min ago'"]
#   make outputs
#   DRY_RUN=1 on any of them prints the sam command instead of running it (no credentials, no build).
#
# The first deploy is guided (sam asks, then saves stack_name, region and the answers into samconfig.toml);
# later ones run from samconfig.toml without questions. AWS access is the SAM CLI's usual (AWS_PROFILE, ...);
# logs and outputs use the region samconfig.toml saved, else AWS_REGION or AWS_DEFAULT_REGION (handed to sam
# as --region: it reads only AWS_DEFAULT_REGION). Without credentials (exit 2), or for logs and outputs without
# a region (exit 4), each target stops with one line before building or sending anything.

GUIDED ?=
TAIL ?=
DRY_RUN ?=
DEPLOY_ARGS ?=
LOGS_ARGS ?=
DEPLOYED_STACK := $(BIN)/python scripts/deployed_stack.py --sam $(SAM)

.PHONY: deploy logs outputs

# Credentials first, so a missing profile stops at once rather than after a build; the build must really
# happen (SAM_BUILD_REQUIRED): a skipped one would deploy an older .aws-sam/build, or none.
deploy: $(STAMP) ## sam build, then sam deploy (guided the first time, then from samconfig.toml)
ifeq ($(DRY_RUN),)
	@$(DEPLOYED_STACK) check-credentials --for deploy
	@$(MAKE) --no-print-directory build SAM_BUILD_REQUIRED=yes
	@$(DEPLOYED_STACK) deploy $(if $(GUIDED),--guided) -- $(DEPLOY_ARGS)
else
	@$(DEPLOYED_STACK) deploy --dry-run $(if $(GUIDED),--guided) -- $(DEPLOY_ARGS)
endif

logs: $(STAMP) $(SAM_STAMP) ## sam logs of the deployed ApproveCancellationFunction (TAIL=1 follows)
	@$(if $(DRY_RUN),,$(DEPLOYED_STACK) check-credentials --for logs)
	@$(DEPLOYED_STACK) logs $(if $(DRY_RUN),--dry-run) $(if $(TAIL),--tail) -- $(LOGS_ARGS)

outputs: $(STAMP) $(SAM_STAMP) ## The deployed stack's outputs (ApiUrl, ApprovalQueueUrl, the secret's ARN, ...)
	@$(if $(DRY_RUN),,$(DEPLOYED_STACK) check-credentials --for outputs)
	@$(DEPLOYED_STACK) outputs $(if $(DRY_RUN),--dry-run)
