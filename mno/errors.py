"""The one error type of the SE registry, key custody and the OTA transports.

Every refusal carries a machine-readable `code` (the API returns it, tests assert on it), a
message a person can act on and, when one input is at fault, the `field` that caused it.
"""


class RegistryError(Exception):
    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message
