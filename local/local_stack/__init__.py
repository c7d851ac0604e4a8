"""The local stack: the built function in the Lambda Runtime Interface Emulator, against moto and the TikTok
Shop emulator, each on a free loopback port. `python -m local_stack run|up|down|invoke` (see mk/local.mk and
docs/local-development.md). Local development only: nothing here is deployed, and deployed code never imports
it."""
