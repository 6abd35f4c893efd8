# One rule for where a request came from, for throttling and the audit trail alike.
from audit.trail import client_ip  # noqa: F401
