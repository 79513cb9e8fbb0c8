"""Start-up checks: refuse to run with a KEK file others can read or an unusable HSM config."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from enstream.keystore.errors import KeystoreError
from enstream.keystore.localfiles import check_private


@register()
def keystore_configuration(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    if settings.ENSTREAM_KEK_BACKEND == "file":
        path = Path(settings.ENSTREAM_KEK_FILE)
        if path.exists():
            try:
                check_private(path)
            except KeystoreError as exc:
                problems.append(Error(str(exc), id="keystore.E001"))
    else:
        if not settings.ENSTREAM_PKCS11_PIN:
            problems.append(
                Error(
                    "ENSTREAM_KEK_BACKEND is pkcs11 but ENSTREAM_PKCS11_PIN is not set",
                    id="keystore.E002",
                )
            )
        if not Path(settings.ENSTREAM_PKCS11_MODULE).exists():
            problems.append(
                Error(
                    f"ENSTREAM_PKCS11_MODULE {settings.ENSTREAM_PKCS11_MODULE} does not exist",
                    id="keystore.E003",
                )
            )
    return problems
