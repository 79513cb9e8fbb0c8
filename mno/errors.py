"""The one error type of the SE registry, key custody and the OTA transports.

Every refusal carries a machine-readable `code` (the API returns it, tests assert on it), a
message a person can act on and, when one input is at fault, the `field` that caused it.
"""

from enstream.errors import ServiceError


class RegistryError(ServiceError):
    """A refusal of the SE registry, key custody or an OTA transport."""
