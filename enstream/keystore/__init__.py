"""The keystore: envelope encryption for every secret the portal keeps.

    from enstream.keystore import seal, unseal, lookup_hash, kcv_aes, kcv_des, KeystoreError

    secret = seal(seed, purpose="accounts.totp", owner=f"accounts.totp:{device.pk}")
    seed = unseal(secret, purpose="accounts.totp", owner=f"accounts.totp:{device.pk}")

docs/keystore.md describes the envelope, the KEK backends and rotation.
"""

from typing import TYPE_CHECKING, Any

from enstream.keystore.errors import KeystoreError
from enstream.keystore.kcv import kcv_aes, kcv_des
from enstream.keystore.lookup import lookup_hash

if TYPE_CHECKING:
    from enstream.keystore.models import Secret
    from enstream.keystore.services import reseal, seal, secret_destroy, unseal

__all__ = [
    "KeystoreError",
    "Secret",
    "kcv_aes",
    "kcv_des",
    "lookup_hash",
    "reseal",
    "seal",
    "secret_destroy",
    "unseal",
]

_LAZY = {
    "Secret": "enstream.keystore.models",
    "seal": "enstream.keystore.services",
    "unseal": "enstream.keystore.services",
    "reseal": "enstream.keystore.services",
    "secret_destroy": "enstream.keystore.services",
}


def __getattr__(name: str) -> Any:
    # The models cannot load while Django imports this app package, so they come on first use.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
