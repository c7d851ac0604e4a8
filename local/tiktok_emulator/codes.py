"""TikTok Shop answer codes the emulator uses (see /work/shared/tiktok-shop-api.md and the endpoint spec)."""

from typing import Final

SUCCESS: Final = 0

INVALID_REQUEST_PARAMETER: Final = 25001001
ORDER_ALREADY_SHIPPED: Final = 25001045
ORDER_NOT_FOUND: Final = 25007006
REVERSE_STATUS_CANNOT_APPROVE: Final = 25011012
REVERSE_ALREADY_CANCELLED: Final = 25020009
NO_PERMISSION: Final = 25020005

TOO_MANY_REQUESTS: Final = 36009002
INTERNAL_ERROR: Final = 36009003
INVALID_CREDENTIALS: Final = 36009004
REQUEST_TIMEOUT: Final = 36009007
INVALID_PATH: Final = 36009009
METHOD_NOT_ALLOWED: Final = 36009010

INVALID_TOKEN: Final = 101000  # invalid token, or a token used with a shop it may not act for
ACCESS_TOKEN_EXPIRED: Final = 105002
INVALID_SIGN: Final = 106001
SHOP_CIPHER_MISSING: Final = 106013

# Token endpoints on the auth host. TikTok publishes no error table for them; these are the codes integrators
# report observing (36004004 for a bad authorization code, 36004005 "can not find related auth record" for a
# refresh token TikTok does not know). ASSUMPTIONS, chosen because the project's client must treat them as
# "a person must re-authorize", whatever the exact number:
# - a spent or expired refresh token answers like an unknown one (36004005), with its own message;
# - a wrong app_key or app_secret answers 36009004, the open API's code for invalid credentials;
# - a missing or wrong grant_type answers 11050001, "invalid param".
INVALID_PARAM: Final = 11050001
INVALID_AUTH_CODE: Final = 36004004
AUTH_RECORD_NOT_FOUND: Final = 36004005
