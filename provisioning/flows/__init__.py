"""One flow per job kind (provisioning/flows/*): what to send next, and what the end means."""

from provisioning.flows.base import Flow
from provisioning.flows.domains import KeyRotateFlow, SsdCreateFlow, SsdDeleteFlow
from provisioning.flows.lifecycle import DeleteFlow, ResumeFlow, SuspendFlow
from provisioning.flows.provision import MigrateFlow, ProvisionFlow

FLOWS: dict[str, Flow] = {
    flow.kind: flow
    for flow in (
        ProvisionFlow(),
        MigrateFlow(),
        SuspendFlow(),
        ResumeFlow(),
        DeleteFlow(),
        SsdCreateFlow(),
        SsdDeleteFlow(),
        KeyRotateFlow(),
    )
}

__all__ = ["FLOWS", "Flow"]
