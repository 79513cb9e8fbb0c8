from typing import Any

from django.apps import AppConfig


class KeystoreConfig(AppConfig):
    name = "enstream.keystore"
    label = "keystore"
    verbose_name = "Keystore"

    def ready(self) -> None:
        from django.test.signals import setting_changed

        from enstream import redaction
        from enstream.keystore import checks  # noqa: F401 - registers the system checks

        redaction.install()
        setting_changed.connect(_forget_keys, dispatch_uid="keystore-settings")


def _forget_keys(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith(("ENSTREAM_KEK", "ENSTREAM_PKCS11", "ENSTREAM_LOOKUP")):
        from enstream.keystore.backends import reset_backend
        from enstream.keystore.lookup import forget_lookup_key

        reset_backend()
        forget_lookup_key()
