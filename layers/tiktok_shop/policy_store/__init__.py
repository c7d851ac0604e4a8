"""Where each shop's autopilot policy is kept (PoliciesTable): one item per shop, and the deployment's default
under its own key. `reader` is the decider's cached GetItem (fails closed on anything unreadable); `writer` is
the operator's validated write (`make policy`), importable without Powertools."""

from .errors import PolicyStoreError, PolicyStoreUnavailable
from .items import DEFAULT_KEY, StoredPolicy

__all__ = ["DEFAULT_KEY", "PolicyStoreError", "PolicyStoreUnavailable", "StoredPolicy"]
