"""The one error type of the commercial model (issuers, MNOs, agreements, allocations, pricing).

Every refusal carries a machine-readable `code` that the API returns as is and tests assert on,
a message a person can act on, and, when one input is at fault, the `field` that caused it.
"""

from typing import Any


class CommercialError(Exception):
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


def forbidden(message: str) -> CommercialError:
    return CommercialError("permission_denied", message, status=403)


def not_found(what: str) -> CommercialError:
    return CommercialError("not_found", f"{what} not found.", status=404)


def invalid_transition(entity: str, current: str, target: str) -> CommercialError:
    return CommercialError(
        "invalid_transition",
        f"This {entity} is {current}: it cannot become {target}.",
        field="status",
        status=409,
    )
