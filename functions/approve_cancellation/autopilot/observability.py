"""The decider's Logger, Tracer and Metrics (named by its own POWERTOOLS_SERVICE_NAME)."""

from function_plumbing.observability import observability

SERVICE, NAMESPACE, logger, tracer, metrics = observability("cancellation-autopilot")
