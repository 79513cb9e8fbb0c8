"""The one error type of the commercial model (issuers, MNOs, agreements, allocations, pricing).

Every refusal carries a machine-readable `code` that the API returns as is and tests assert on,
a message a person can act on, and, when one input is at fault, the `field` that caused it.
"""

from enstream.errors import ServiceError


class CommercialError(ServiceError):
    """A refusal of the commercial model."""


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
