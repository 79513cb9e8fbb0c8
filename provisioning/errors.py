"""The one error type of provisioning: services, eligibility and the job engine raise it.

`code` is a diagnostics code (provisioning/diagnostics.py) or an input-validation code; the API
returns it as is and tests assert on it. `message` is what a person can act on; `field` names
the input at fault, when one is.
"""

from enstream.errors import ServiceError


class ProvisioningError(ServiceError):
    """A refusal of provisioning (a diagnostics or input-validation code)."""
