"""The operations on issuers, resale agreements, network lines and SE space.

Pages, the API, admin actions, tasks and commands call these and nothing else to change
commercial data. Each is atomic, checks the actor's role, audits what it did and raises
`issuers.errors.CommercialError` when it refuses.
"""

from issuers.services.agreements import (
    agreement_activate,
    agreement_add_network_line,
    agreement_create,
    agreement_end,
    agreement_sign,
    agreement_update,
)
from issuers.services.allocations import (
    allocation_approve,
    allocation_cancel,
    allocation_record_usage,
    allocation_reject,
    allocation_request,
    allocation_revoke,
)
from issuers.services.issuers import issuer_create, issuer_transition, issuer_update
from issuers.services.network_lines import (
    network_line_phase_in,
    network_line_reschedule,
    network_line_withdraw,
)

__all__ = [
    "agreement_activate",
    "agreement_add_network_line",
    "agreement_create",
    "agreement_end",
    "agreement_sign",
    "agreement_update",
    "allocation_approve",
    "allocation_cancel",
    "allocation_record_usage",
    "allocation_reject",
    "allocation_request",
    "allocation_revoke",
    "issuer_create",
    "issuer_transition",
    "issuer_update",
    "network_line_phase_in",
    "network_line_reschedule",
    "network_line_withdraw",
]
