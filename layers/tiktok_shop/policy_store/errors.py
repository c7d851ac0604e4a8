"""What reading or writing the policy store can fail with. Messages name the table and the shop."""


class PolicyStoreError(Exception):
    """The store cannot serve until someone fixes it (the table, its permissions), or a write was refused."""


class PolicyStoreUnavailable(PolicyStoreError):
    """A read failed in a way asking again may cure (throttling, a timeout): the message is retried."""
