"""The approval service: `approve(request) -> outcome`, idempotent, the one place with business logic.

Two layers of idempotency: Powertools (DynamoDB) makes a repeated request replay the stored result
without calling TikTok; TikTok's own `idempotency_key`, the same on every retry and re-execution,
makes TikTok itself approve once even if we crash between its answer and our record.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    BasePersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyInconsistentStateError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.idempotency.serialization.custom_dict import CustomDictSerializer
from aws_lambda_powertools.utilities.typing import LambdaContext
from tiktok_shop import Credentials, TikTokAPIError, TikTokCode, TikTokShopClient

from . import keys, reconciliation, time_budget
from .errors import (
    LIBRARY_ERRORS,
    ApprovalError,
    ApprovalInProgress,
    IdempotencyKeyReused,
    TikTokUnavailable,
    UpstreamConfigurationError,
    as_approval_error,
)
from .models import ApprovalOutcome, ApprovalRequest, ApprovalResult
from .observability import logger, metrics, record_failure, record_reconciliation, tracer
from .shop_access import ShopAccess, ShopResolver

ClientFactory = Callable[[Credentials], TikTokShopClient]
# Clients kept per credentials (a connection pool each): the shops one container serves, plus the
# credentials a rotation just replaced, which the next use evicts.
MAX_CLIENTS = 64
# Answers that a newer secret can cure: an expired or unknown token, a wrong app key, secret or cipher.
CREDENTIAL_REJECTIONS = frozenset(
    {
        TikTokCode.ACCESS_TOKEN_EXPIRED,
        TikTokCode.INVALID_CREDENTIALS,
        TikTokCode.INVALID_SIGN,
        TikTokCode.INVALID_TOKEN,
    }
)


def idempotency_config(expires_after_seconds: int) -> IdempotencyConfig:
    return IdempotencyConfig(
        event_key_jmespath="key",
        # The same idempotency key for another cancellation is a caller's bug: refuse, never replay.
        payload_validation_jmespath="cancel_id",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=expires_after_seconds,
        response_hook=_mark_replayed,
        # A replay in the environment that approved needs no DynamoDB call. Powertools caches completed
        # records only (an approval is final at TikTok), still validates the payload against them, and
        # drops them at the record's own expiry. A record deleted from the table by hand is still replayed
        # by the environments that cached it, until they are recycled: re-run with a new key instead.
        use_local_cache=True,
    )


# The stored record holds the result as its dict; the service and the handlers hold the typed result.
RESULT_SERIALIZER = CustomDictSerializer(to_dict=ApprovalResult.to_dict, from_dict=ApprovalResult.from_dict)


@dataclass(frozen=True)
class _Replayed:
    result: ApprovalResult


def _mark_replayed(response: Any, idempotent_data: DataRecord) -> _Replayed:
    return _Replayed(result=response)


@dataclass
class _Attempt:
    """What this call's approval at TikTok gave, kept outside Powertools: when the store fails after it
    (marking the record COMPLETED, or deleting it after a failure), Powertools raises its own error and
    drops the answer, which is still the truth for the caller."""

    result: ApprovalResult | None = None
    error: ApprovalError | None = None


class ApprovalService:
    def __init__(
        self,
        *,
        shops: ShopResolver,
        client_factory: ClientFactory,
        persistence: BasePersistenceLayer,
        config: IdempotencyConfig,
    ) -> None:
        self._shops = shops
        self._client_factory = client_factory
        self._config = config
        self._client_lock = threading.Lock()
        self._clients: OrderedDict[Credentials, TikTokShopClient] = OrderedDict()
        # Configured here, once, before any worker thread: Powertools marks the store configured before it
        # has finished configuring it, which a second thread could observe.
        persistence.configure(config, key_prefix=keys.IDEMPOTENCY_KEY_PREFIX)
        self._approve_once = idempotent_function(
            data_keyword_argument="record",
            persistence_store=persistence,
            config=config,
            key_prefix=keys.IDEMPOTENCY_KEY_PREFIX,
            output_serializer=RESULT_SERIALIZER,
        )(self._approve_and_remember)

    def register_lambda_context(self, context: LambdaContext) -> None:
        """Lets an in-progress record expire with the invocation, so a timed-out approval can be retried."""
        self._config.register_lambda_context(context)

    @tracer.capture_method(capture_response=False)
    def approve(self, request: ApprovalRequest, *, deadline: float | None = None) -> ApprovalOutcome:
        """Approve once per shop and idempotency key (the caller's, else the cancel_id); later, replay the
        result. The shop is looked up only when TikTok has to be called: a replay needs no directory."""
        record = {
            "key": keys.idempotency_record_key(request),
            "cancel_id": request.cancel_id,
            "idempotency_key": request.idempotency_key,
        }
        attempt = _Attempt()
        try:
            stored_or_new = self._approve_once(
                record=record, deadline=deadline, attempt=attempt, shop_id=request.shop_id
            )
        except IdempotencyValidationError:
            raise record_failure(
                IdempotencyKeyReused("this idempotency key was already used for another cancel_id"),
                shop_id=request.shop_id,
            ) from None
        except IdempotencyAlreadyInProgressError:
            raise record_failure(
                ApprovalInProgress("an approval with this idempotency key is in progress; retry shortly"),
                shop_id=request.shop_id,
            ) from None
        except (IdempotencyPersistenceLayerError, IdempotencyInconsistentStateError):
            # Logged with the error's class and stack, for us; the caller is told in words.
            logger.exception("idempotency store failed", extra={"cancel_id": request.cancel_id})
            if attempt.result is not None:
                # TikTok approved; only the record stays INPROGRESS until this invocation's end. A repeat
                # after that re-runs with the same TikTok key, and reconciliation answers it truthfully.
                metrics.add_metric(name="IdempotencyRecordNotCompleted", unit=MetricUnit.Count, value=1)
                stored_or_new = attempt.result
            elif attempt.error is not None:
                raise record_failure(attempt.error, shop_id=request.shop_id) from None
            else:
                raise record_failure(
                    TikTokUnavailable("the idempotency store could not be used just now; retry later"),
                    shop_id=request.shop_id,
                ) from None
        except ApprovalError as error:
            raise record_failure(error, shop_id=request.shop_id) from None

        replayed = isinstance(stored_or_new, _Replayed)
        result = stored_or_new.result if isinstance(stored_or_new, _Replayed) else stored_or_new
        metrics.add_metric(
            name="ApprovalReplayed" if replayed else "CancellationApproved", unit=MetricUnit.Count, value=1
        )
        logger.info(
            "cancellation approved",
            extra={
                "cancel_id": request.cancel_id,
                "shop_id": request.shop_id,
                "replayed": replayed,
                "already_approved": bool(result.data.already_approved),
                "tiktok_request_id": result.request_id,
            },
        )
        return ApprovalOutcome(result=result, replayed=replayed)

    def _approve_and_remember(
        self, record: dict[str, Any], deadline: float | None, attempt: _Attempt, shop_id: str | None
    ) -> ApprovalResult:
        """Runs only when no record answers for the request. A shop the directory does not know fails here,
        before any TikTok call; Powertools then deletes the in-progress record, as after any failure.
        Whatever the libraries raise leaves here as an ApprovalError (errors.as_approval_error)."""
        try:
            shop = self._shops.resolve(shop_id)
            attempt.result = self._approve_or_reconcile(record, deadline, shop)
        except (ApprovalError, *LIBRARY_ERRORS) as error:
            attempt.error = as_approval_error(error)
            raise attempt.error from None
        return attempt.result

    def _approve_or_reconcile(
        self, record: dict[str, Any], deadline: float | None, shop: ShopAccess
    ) -> ApprovalResult:
        cancel_id: str = record["cancel_id"]
        credentials = shop.credentials()
        key = keys.tiktok_key_for(shop.shop_id, credentials.shop_cipher, cancel_id, record["idempotency_key"])
        try:
            envelope = self._approve_with_current_credentials(
                shop, credentials, cancel_id, key, _approval_deadline(deadline)
            )
        except TikTokAPIError as error:
            if not reconciliation.needs_reconciliation(error):
                raise
            return self._reconcile(shop, cancel_id, error, deadline)
        return ApprovalResult.approved(envelope)

    def _approve_with_current_credentials(
        self, shop: ShopAccess, credentials: Credentials, cancel_id: str, key: str, deadline: float | None
    ) -> dict[str, Any]:
        """TikTok's success envelope; raises its TikTokAPIError as is, after at most one re-read secret."""
        try:
            return self._call_tiktok(credentials, cancel_id, key, deadline)
        except TikTokAPIError as error:
            if error.code not in CREDENTIAL_REJECTIONS:
                raise
            # The secret may have been rotated or corrected since this container cached it, or the shop
            # moved to another seller's authorization: re-read the shop's entry and secret once, and call
            # again only if they changed (the same credentials would be refused the same way). Only this
            # shop's secret: the other sellers' authorizations are not affected.
            fresh = self._shops.refreshed(shop).credentials(force_refresh=True)
            if fresh == credentials:
                if error.token_expired:
                    raise UpstreamConfigurationError(
                        "TikTok access token expired and the credentials secret holds no newer one",
                        code=error.code,
                        request_id=error.request_id,
                    ) from None
                raise
            logger.info(
                "TikTok refused the cached credentials; retrying once with the re-read secret",
                extra={"cancel_id": cancel_id, "code": error.code},
            )
            return self._call_tiktok(fresh, cancel_id, key, deadline)

    def _reconcile(
        self, shop: ShopAccess, cancel_id: str, error: TikTokAPIError, deadline: float | None
    ) -> ApprovalResult:
        """Ask TikTok what became of the cancellation, and answer by reconciliation's table."""
        logger.info(
            "approval ended without a clear answer; asking Search Cancellations",
            extra={"cancel_id": cancel_id, "code": error.code, "error": type(error).__name__},
        )
        client = self._client_for(shop.credentials())
        try:
            page = client.return_refund.search_cancellations(
                cancel_ids=[cancel_id], page_size=1, deadline=deadline
            )
        except TikTokAPIError as search_error:
            record_reconciliation("SearchFailed")
            raise reconciliation.search_failed(error, search_error) from None
        found = page.find(cancel_id)
        record_reconciliation(found.cancel_status if found is not None else "NotListed")
        logger.info(
            "Search Cancellations answered",
            extra={
                "cancel_id": cancel_id,
                "cancel_status": found.cancel_status if found is not None else None,
                "tiktok_request_id": page.request_id,
            },
        )
        return reconciliation.reconcile(error, found, page.request_id)

    def _call_tiktok(
        self, credentials: Credentials, cancel_id: str, key: str, deadline: float | None
    ) -> dict[str, Any]:
        return self._client_for(credentials).return_refund.approve_cancellation(
            cancel_id=cancel_id, query={"idempotency_key": key}, deadline=deadline
        )

    def _client_for(self, credentials: Credentials) -> TikTokShopClient:
        # One client (one connection pool) per credentials, shared by the batch's worker threads.
        with self._client_lock:
            client = self._clients.get(credentials)
            if client is not None:
                self._clients.move_to_end(credentials)
                return client
            if len(self._clients) >= MAX_CLIENTS:
                # The least recently used; a request still using it finishes on its open connection.
                self._clients.popitem(last=False)[1].close()
            client = self._clients[credentials] = self._client_factory(credentials)
            return client


def _approval_deadline(deadline: float | None) -> float | None:
    if deadline is None:
        return None
    time_left = deadline - time.time()
    # Kept back for Search Cancellations, should the approval end without an answer.
    reserve = min(
        time_budget.RECONCILIATION_RESERVE_SECONDS, time_left * time_budget.RECONCILIATION_RESERVE_SHARE
    )
    return deadline - max(0.0, reserve)
