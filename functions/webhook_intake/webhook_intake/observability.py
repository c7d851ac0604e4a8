"""The function's Logger, Tracer and Metrics (the layer's `function_plumbing.observability`)."""

from function_plumbing.observability import observability

SERVICE, NAMESPACE, logger, tracer, metrics = observability("tiktok-webhook")
