"""One Logger, Tracer and Metrics per function, configured by the POWERTOOLS_* environment.

The defaults apply only where the environment names none (a test or a script importing a handler), so
that metrics never fail to flush for want of a namespace.
"""

from __future__ import annotations

import logging
import os
from typing import NamedTuple

from aws_lambda_powertools import Logger, Metrics, Tracer

DEFAULT_NAMESPACE = "TikTokShop"
# Only the libraries the functions call out with: botocore (AWS) and requests (TikTok). patch_all would also
# look for, import and patch a dozen others at every cold start (sqlite3, database drivers, httpx) and patch
# httplib, which traces each of those same calls a second time.
TRACED_MODULES = ("botocore", "requests")


class Observability(NamedTuple):
    service: str
    namespace: str
    logger: Logger
    tracer: Tracer
    metrics: Metrics


def observability(default_service: str, *, traced: tuple[str, ...] = TRACED_MODULES) -> Observability:
    """The function's three, named by POWERTOOLS_SERVICE_NAME (else `default_service`) and
    POWERTOOLS_METRICS_NAMESPACE (else TikTokShop). `traced`: the libraries the function calls out with
    (patching one imports it: a function that never calls TikTok names botocore alone)."""
    service = os.environ.get("POWERTOOLS_SERVICE_NAME", default_service)
    namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", DEFAULT_NAMESPACE)
    # urllib3 logs every request line at DEBUG, query included; TikTok's token endpoints carry the app
    # secret and the refresh token in theirs. Whatever level the root logger gets, those lines are never
    # written.
    logging.getLogger("urllib3").setLevel(logging.INFO)
    return Observability(
        service=service,
        namespace=namespace,
        logger=Logger(service=service),
        tracer=Tracer(service=service, patch_modules=traced),
        metrics=Metrics(service=service, namespace=namespace),
    )
