"""One Logger, Tracer and Metrics for the whole function, configured by the POWERTOOLS_* environment.

The defaults here apply only where the environment names none (a bare `import app` in a test or script),
so that metrics never fail to flush for want of a namespace.
"""

import os

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "cancellation-approver")
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "TikTokShop")

logger = Logger(service=SERVICE)
# Only the libraries the function calls out with: botocore (DynamoDB, Secrets Manager, SQS) and requests
# (TikTok). patch_all would also look for, import and patch a dozen others at every cold start (sqlite3,
# database drivers, httpx) and patch httplib, which traces each of those same calls a second time.
TRACED_MODULES = ("botocore", "requests")
tracer = Tracer(service=SERVICE, patch_modules=TRACED_MODULES)
metrics = Metrics(service=SERVICE, namespace=NAMESPACE)
