"""Provisioning's operations: the portal, the API, tasks and commands call these and nothing
else. Each is atomic, checks its actor, audits what it did and raises `ProvisioningError`."""

from provisioning.eligibility import Eligibility, se_eligibility
from provisioning.services.credentials import (
    credential_card_data_supply,
    credential_delete,
    credential_provision,
    credential_resume,
    credential_suspend,
)
from provisioning.services.jobs import job_cancel, job_retry
from provisioning.services.keys import issuer_keys_rotate
from provisioning.services.moves import subscriber_moved

__all__ = [
    "Eligibility",
    "credential_card_data_supply",
    "credential_delete",
    "credential_provision",
    "credential_resume",
    "credential_suspend",
    "issuer_keys_rotate",
    "job_cancel",
    "job_retry",
    "se_eligibility",
    "subscriber_moved",
]
