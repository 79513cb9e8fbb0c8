"""What every service's one error type shares: a refusal the caller can act on.

`code` is machine-readable (the API returns it as is, tests assert on it), `message` is for
people, `field` names the input at fault when one is, `status` is the HTTP status the refusal
answers with, and `details` carries structured extras. Each area keeps its own subclass
(CommercialError, RegistryError, ProvisioningError), so a caller catches what it expects;
the API turns any of them into its one error shape (enstream/api/exceptions.py).
"""

from typing import Any


class ServiceError(Exception):
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
