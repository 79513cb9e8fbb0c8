"""What went wrong, in words a bank operator or an EnStream engineer can act on.

Every failure the engine or a service records carries one of these codes. `permanent` failures
stop a job at once; transient ones are retried with backoff until the job's attempt limit, and
only then fail it with the same code. The API and the diagnostics page show `cause` and `action`.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Diagnosis:
    code: str
    title: str
    cause: str
    action: str
    permanent: bool


_CATALOGUE = [
    # -- eligibility: the subscriber's SE or the commercial terms -------------------------
    Diagnosis(
        "se_unknown",
        "Unknown subscriber line",
        "No secure element on any network is registered for this MSISDN (or it is not in the "
        "same mode, live or sandbox, as the request).",
        "Check the number; if it is new, the network's SIM inventory must be imported first.",
        True,
    ),
    Diagnosis(
        "se_not_nfc",
        "SIM is not NFC capable",
        "The subscriber's SIM has no NFC (SWP) interface, so no payment card can run on it.",
        "The subscriber needs an NFC SIM from their network.",
        True,
    ),
    Diagnosis(
        "se_inactive",
        "SIM blocked by the network",
        "The network has suspended or retired this SIM (lost, stolen, unpaid or replaced).",
        "Wait until the network restores the line, then try again.",
        True,
    ),
    Diagnosis(
        "se_scp_unsupported",
        "SIM secure channel not supported",
        "The SIM's issuer security domain uses a random card challenge, which needs an "
        "interactive session that the network's OTA channel cannot hold between scripts.",
        "EnStream operations: ask the network for an SCP03 i=70 or SCP02 i=55 SIM profile.",
        True,
    ),
    Diagnosis(
        "se_memory_full",
        "Not enough memory on the SIM",
        "The SIM (or the issuer's space on it) has no room left for what was being installed "
        "(status word 6A84).",
        "Delete unused credentials on this SIM, or ask the account manager for a larger SSD "
        "template.",
        True,
    ),
    Diagnosis(
        "network_not_in_agreement",
        "Network not covered",
        "The subscriber's network is not live under the issuer's resale agreement today.",
        "Ask the EnStream account manager to phase this network in.",
        True,
    ),
    Diagnosis(
        "agreement_not_in_force",
        "No agreement in force",
        "The issuer has no resale agreement in force today.",
        "Contact the EnStream account manager.",
        True,
    ),
    Diagnosis(
        "allocation_missing",
        "No SE space on this network",
        "The issuer has no approved SE space allocation on the subscriber's network.",
        "Request SE space on this network from the portal's allocations page.",
        True,
    ),
    Diagnosis(
        "allocation_full",
        "SE space allocation full",
        "Every SSD the issuer's allocation on this network allows is in use.",
        "Ask the account manager to raise the allocation's cap, or delete unused SSDs.",
        True,
    ),
    Diagnosis(
        "credential_exists",
        "Card already on this SIM",
        "This card number is already active, or being provisioned, on the subscriber's SIM.",
        "Nothing to do; suspend, resume or delete the existing credential instead.",
        True,
    ),
    # -- over the air ---------------------------------------------------------------------
    Diagnosis(
        "ota_timeout",
        "No answer from the SIM",
        "The script was sent but no answer came back in time (handset off, out of coverage, "
        "or the answer was lost on the way).",
        "Nothing: EnStream retries automatically. If it keeps failing, the subscriber should "
        "switch the phone on in coverage; then retry the job.",
        False,
    ),
    Diagnosis(
        "se_unreachable",
        "SIM unreachable",
        "The network could not deliver the script to the SIM.",
        "Retried automatically; if it persists, EnStream operations checks the network's OTA "
        "gateway.",
        False,
    ),
    Diagnosis(
        "card_removed",
        "SIM not in a handset",
        "The SIM did not answer at all: it is out of the handset or the handset is off.",
        "Retried automatically; the subscriber should put the SIM back and switch on.",
        False,
    ),
    Diagnosis(
        "card_busy",
        "SIM busy",
        "The SIM was busy with another session when the script arrived.",
        "Retried automatically.",
        False,
    ),
    Diagnosis(
        "card_state_changed",
        "SIM content differs from our records",
        "The SIM answered in a way that shows its content is not what the last verified step "
        "left; the job re-read the card and rebuilt its script.",
        "Nothing, unless it repeats: then EnStream operations audits the SIM.",
        False,
    ),
    Diagnosis(
        "key_mismatch",
        "Keys do not match the SIM",
        "The SIM refused the security domain's keys (cryptogram mismatch or status word 6982): "
        "the keys on the card are not the ones in custody.",
        "EnStream operations: audit the SIM's key sets; the SSD may need to be deleted and "
        "created again by the SEM.",
        True,
    ),
    Diagnosis(
        "card_refused",
        "SIM refused a command",
        "The SIM answered a command with an error status word that has no automatic remedy.",
        "EnStream operations: read the step log for the status word and audit the SIM.",
        True,
    ),
    Diagnosis(
        "se_locked",
        "SIM locked",
        "The SIM's card life cycle is locked or terminated by the network (status word 6A81).",
        "The network must unlock the SIM; until then nothing can be installed.",
        True,
    ),
    Diagnosis(
        "instance_missing",
        "Payment application not on the SIM",
        "The credential's payment application is not on the SIM any more.",
        "Delete the credential and provision the card again.",
        True,
    ),
    Diagnosis(
        "step_limit",
        "Job did not converge",
        "The job rebuilt its script more times than allowed without reaching the wanted state.",
        "EnStream operations: read the step log and audit the SIM before retrying.",
        True,
    ),
    Diagnosis(
        "card_data_purged",
        "Card data no longer held",
        "The card data was purged when this provisioning failed; it cannot be personalised "
        "without it.",
        "The issuer submits the card again.",
        True,
    ),
    Diagnosis(
        "card_data_required",
        "Card data needed",
        "The line moved to a new SIM; the payment application is ready there but the card "
        "data was purged after the first personalisation, as PCI DSS requires.",
        "The issuer supplies the card data for the replacement credential.",
        True,
    ),
    Diagnosis(
        "sim_swap",
        "Line moved to a new SIM",
        "The subscriber's line moved to a new SIM; the credential on the old SIM is void.",
        "Nothing: a replacement credential was prepared on the new SIM.",
        True,
    ),
    Diagnosis(
        "port",
        "Line ported to another network",
        "The subscriber's line moved to another network on a new SIM; the credential on the "
        "old SIM is void.",
        "Nothing: a replacement credential was prepared on the new SIM where the agreement "
        "covers its network.",
        True,
    ),
    Diagnosis(
        "ssd_missing",
        "SSD not on the SIM",
        "The issuer's security domain is not on the SIM any more.",
        "EnStream operations: audit the SIM; provision the card again to recreate it.",
        True,
    ),
    Diagnosis(
        "cancelled",
        "Cancelled",
        "EnStream operations cancelled the job.",
        "Retry the job, or request the operation again.",
        True,
    ),
]

CATALOGUE: dict[str, Diagnosis] = {d.code: d for d in _CATALOGUE}

_UNKNOWN = Diagnosis(
    "unknown",
    "Unexpected failure",
    "The job failed for a reason the catalogue does not describe.",
    "EnStream operations: read the step log.",
    True,
)


def diagnose(code: str) -> Diagnosis:
    """The catalogue entry for `code` (an unknown code still gets a readable entry)."""
    return CATALOGUE.get(code, _UNKNOWN)


def is_permanent(code: str) -> bool:
    return diagnose(code).permanent
