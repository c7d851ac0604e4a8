"""The function's Logger, Tracer and Metrics (the layer's `function_plumbing.observability`)."""

from function_plumbing.observability import observability

# Only botocore is traced: the intake never calls TikTok, and patching requests would import it (20-40 ms
# of every cold start, measured by make bench-webhook).
SERVICE, NAMESPACE, logger, tracer, metrics = observability("tiktok-webhook", traced=("botocore",))
