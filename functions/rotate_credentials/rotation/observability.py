"""One Logger, Tracer and Metrics for the whole function, configured by the POWERTOOLS_* environment.

The defaults apply only where the environment names none (a test or a script importing the handler).
"""

import logging
import os

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "credentials-rotation")
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "TikTokShop")

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(service=SERVICE, namespace=NAMESPACE)

# urllib3 logs every request line at DEBUG, query included; the token endpoints carry the app secret and the
# refresh token in theirs. Whatever level the root logger gets, those lines are never written.
logging.getLogger("urllib3").setLevel(logging.INFO)
