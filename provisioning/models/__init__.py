from provisioning.models.credentials import (
    HOLDS_INSTANCE,
    Credential,
    CredentialState,
    DomainState,
    IssuerDomain,
)
from provisioning.models.jobs import (
    ACTIVE_STATES,
    OPEN_STATES,
    TERMINAL_STATES,
    Job,
    JobKind,
    JobState,
    JobStep,
    StepOutcome,
)

__all__ = [
    "ACTIVE_STATES",
    "HOLDS_INSTANCE",
    "OPEN_STATES",
    "TERMINAL_STATES",
    "Credential",
    "CredentialState",
    "DomainState",
    "IssuerDomain",
    "Job",
    "JobKind",
    "JobState",
    "JobStep",
    "StepOutcome",
]
