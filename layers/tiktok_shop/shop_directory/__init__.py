"""The shop directory (ShopsTable): shop_id -> the seller authorization (secret) and cipher that serve it.

`ShopEntry` is one item; `reader.ShopDirectoryReader` serves a function that approves (GetItem, cached),
`writer.ShopDirectoryWriter` the rotation's testSecret and the operator's scripts (make authorize, make
shops, make remove-seller). Importing this package imports neither: the scripts run without Powertools.
"""

from .entry import ShopEntry
from .errors import ShopDirectoryError, ShopDirectoryUnavailable

__all__ = ["ShopDirectoryError", "ShopDirectoryUnavailable", "ShopEntry"]
