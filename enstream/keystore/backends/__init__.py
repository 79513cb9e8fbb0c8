"""The process's KEK backend, built from settings once and shared by every thread."""

import threading
from pathlib import Path

from django.conf import settings

from enstream.keystore.backends.base import KekBackend

__all__ = ["KekBackend", "backend_from_settings", "get_backend", "reset_backend"]

_lock = threading.Lock()
_backend: KekBackend | None = None


def backend_from_settings() -> KekBackend:
    if settings.ENSTREAM_KEK_BACKEND == "pkcs11":
        from enstream.keystore.backends.pkcs11 import Pkcs11KekBackend

        return Pkcs11KekBackend(
            module=settings.ENSTREAM_PKCS11_MODULE,
            token_label=settings.ENSTREAM_PKCS11_TOKEN,
            pin=settings.ENSTREAM_PKCS11_PIN,
            label_prefix=settings.ENSTREAM_PKCS11_KEK_LABEL,
        )
    from enstream.keystore.backends.file import FileKekBackend

    return FileKekBackend(Path(settings.ENSTREAM_KEK_FILE))


def get_backend() -> KekBackend:
    global _backend
    with _lock:
        if _backend is None:
            _backend = backend_from_settings()
        return _backend


def reset_backend() -> None:
    """Forget the backend so the next call rebuilds it (settings changed, in tests)."""
    global _backend
    with _lock:
        _backend = None
