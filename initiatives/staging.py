"""Uploaded files waiting between preview and confirmation, for a day at most.

A staged file belongs to the user who uploaded it and to the kind of import that staged it: the token in
the confirmation form fetches nothing for anyone else, or for another import. Only the application's own
OS user can read the files.
"""

import contextlib
import os
import re
import secrets
import time

from django.conf import settings

LIFETIME = 24 * 60 * 60
TOKEN = re.compile(r"^[0-9a-f]{32}$")
KINDS = {"plan", "survey", "bulk"}  # bulk: the onboarding imports (onboarding/admin.py)


def _path(token, user, kind):
    if not TOKEN.match(token or "") or kind not in KINDS or not user.pk:
        raise ValueError("bad staging token")
    return settings.IMPORT_STAGING_DIR / f"{kind}-{user.pk}-{token}.xlsx"


def stage(data, user, kind):
    """Keep the bytes for this user and kind of import; return the token that fetches them back."""
    directory = settings.IMPORT_STAGING_DIR
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    for old in directory.glob("*.xlsx"):
        if old.stat().st_mtime < time.time() - LIFETIME:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    descriptor = os.open(_path(token, user, kind), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    return token


def fetch(token, user, kind):
    """The staged bytes, or None if they are gone (confirmed already, expired) or not this user's."""
    try:
        path = _path(token, user, kind)
        return path.read_bytes() if path.is_file() else None
    except ValueError:
        return None


def discard(token, user, kind):
    with contextlib.suppress(ValueError):
        _path(token, user, kind).unlink(missing_ok=True)
