"""Encryption at rest for patient data and tokens (Fernet, from ``cryptography``).

Production must set ``SYNC_ENCRYPTION_KEY`` (without it, nothing is encrypted or
decrypted). For demos and tests (``SYNC_ENV=development``) without one, a key is
generated once into the data directory (mode 0600) so that restarts can still
read what was written; the log says so, because that key sits beside the data.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from syncapp.settings import get_settings

log = logging.getLogger(__name__)

__all__ = ["InvalidToken", "get_fernet"]


@lru_cache(maxsize=4)
def _fernet_for(keys: str, data_dir: str) -> MultiFernet:
    if keys:
        # Comma-separated: the first key encrypts, all decrypt (key rotation).
        return MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])
    path = os.path.join(data_dir, "dev-encryption.key")
    os.makedirs(data_dir, exist_ok=True)
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(Fernet.generate_key())
    log.warning(
        "SYNC_ENCRYPTION_KEY is not set: using a generated development key",
        extra={"step": "crypto", "key_file": path},
    )
    with open(path, "rb") as fh:
        return MultiFernet([Fernet(fh.read().strip())])


def get_fernet() -> MultiFernet:
    """The process's cipher for data at rest."""
    s = get_settings()
    keys = s.sync_encryption_key.get_secret_value() if s.sync_encryption_key else ""
    if not keys and s.production:
        # Fail closed: a key generated beside the data protects nothing.
        raise RuntimeError("SYNC_ENCRYPTION_KEY is required in production (SYNC_ENV=production)")
    return _fernet_for(keys, str(s.sync_data_dir))
