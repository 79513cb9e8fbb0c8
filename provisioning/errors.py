"""The one error type of provisioning: services, eligibility and the job engine raise it.

`code` is a diagnostics code (provisioning/diagnostics.py) or an input-validation code; the API
returns it as is and tests assert on it. `message` is what a person can act on; `field` names
the input at fault, when one is.
"""

from typing import Any


class ProvisioningError(Exception):
    def __init__(
        self,
        code: str,
        message: str,
        *,
        field: str | None = None,
        status: int = 400,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.status = status
        self.details = details or {}

    def __str__(self) -> str:
        return self.message
