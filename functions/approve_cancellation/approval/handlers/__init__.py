"""One thin adapter per trigger: translate the event in, call the service, translate the outcome back."""
