"""What reading or writing the directory can fail with. Messages name the table and the operation or
shop, never a secret value (the directory holds none)."""


class ShopDirectoryError(Exception):
    """The directory cannot serve until someone fixes it (the table, its permissions, a bad item), or, from
    the writer, any failed call: the operator reads the message and runs the command again."""


class ShopDirectoryUnavailable(ShopDirectoryError):
    """A read failed in a way asking again may cure (throttling, a timeout)."""
