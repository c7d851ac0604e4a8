"""The keys an approval is known by: the idempotency record's (ours, in DynamoDB) and the idempotency_key
TikTok receives. Both are scoped per shop, as payment APIs scope keys per account: one key used in two
shops is two requests, here and at TikTok."""

from __future__ import annotations

import uuid

from .models import ApprovalRequest

# Powertools' prefix for the record ids of this operation.
IDEMPOTENCY_KEY_PREFIX = "approve-cancellation"
# Namespace for TikTok idempotency keys derived from shop and cancel_id (a UUID, as TikTok suggests).
TIKTOK_KEY_NAMESPACE = uuid.UUID("6f1d3c8e-2b57-4f0a-9a43-5c1e0d7b9e21")


def idempotency_record_key(request: ApprovalRequest) -> str:
    """What Powertools hashes into the record's id: the caller's key, else the cancel_id, within the shop.
    Without shop_id, the default shop, as it always was."""
    key = f"key:{request.idempotency_key}" if request.idempotency_key else f"cancel:{request.cancel_id}"
    return key if request.shop_id is None else f"shop:{request.shop_id}/{key}"


def tiktok_idempotency_key(shop_cipher: str, cancel_id: str) -> str:
    """The key TikTok receives when the caller gave none: stable across retries, crashes and redeliveries."""
    return str(uuid.uuid5(TIKTOK_KEY_NAMESPACE, f"{shop_cipher}/{cancel_id}"))


def tiktok_key_for(shop_id: str | None, shop_cipher: str, cancel_id: str, caller_key: str | None) -> str:
    """The idempotency_key TikTok receives. The default shop (no shop_id): the caller's key as is (as it
    always was), else one derived from shop and cancel_id. A directory shop: always derived, from the
    caller's key when there is one, since that key is scoped per shop here while TikTok's own scoping is
    undocumented: one key used in two shops of one seller (one token) must not reach TikTok as one key."""
    if shop_id is None:
        return caller_key or tiktok_idempotency_key(shop_cipher, cancel_id)
    scope = f"key:{caller_key}" if caller_key else f"cancel:{cancel_id}"
    return str(uuid.uuid5(TIKTOK_KEY_NAMESPACE, f"{shop_cipher}/{scope}"))
