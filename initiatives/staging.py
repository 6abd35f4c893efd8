"""Uploaded files waiting between preview and confirmation, under a random name, for a day at most."""

import contextlib
import re
import secrets
import time

from django.conf import settings

LIFETIME = 24 * 60 * 60
TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _path(token):
    if not TOKEN.match(token or ""):
        raise ValueError("bad staging token")
    return settings.IMPORT_STAGING_DIR / f"{token}.xlsx"


def stage(data):
    """Keep the bytes and return the token that fetches them back."""
    settings.IMPORT_STAGING_DIR.mkdir(parents=True, exist_ok=True)
    for old in settings.IMPORT_STAGING_DIR.glob("*.xlsx"):
        if old.stat().st_mtime < time.time() - LIFETIME:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    _path(token).write_bytes(data)
    return token


def fetch(token):
    """The staged bytes, or None if they are gone (confirmed already, or expired)."""
    try:
        path = _path(token)
        return path.read_bytes() if path.is_file() else None
    except ValueError:
        return None


def discard(token):
    with contextlib.suppress(ValueError):
        _path(token).unlink(missing_ok=True)
