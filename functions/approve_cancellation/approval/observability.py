"""One Logger, Tracer and Metrics for the whole function, configured by the POWERTOOLS_* environment.

The defaults here apply only where the environment names none (a bare `import app` in a test or script),
so that metrics never fail to flush for want of a namespace.
"""

import os

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "cancellation-approver")
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "TikTokShop")

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(service=SERVICE, namespace=NAMESPACE)
