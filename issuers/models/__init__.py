from issuers.models.agreements import AgreementStatus, LineStatus, NetworkLine, ResaleAgreement
from issuers.models.allocations import Allocation, AllocationStatus, SsdPrivilege
from issuers.models.issuer import Issuer, IssuerKind, IssuerStatus, PaymentNetwork

__all__ = [
    "AgreementStatus",
    "Allocation",
    "AllocationStatus",
    "Issuer",
    "IssuerKind",
    "IssuerStatus",
    "LineStatus",
    "NetworkLine",
    "PaymentNetwork",
    "ResaleAgreement",
    "SsdPrivilege",
]
