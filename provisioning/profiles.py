"""Applet profiles: which pre-loaded payment application a credential instantiates, and the
personalisation data (EMV CPS data groupings) it receives.

NFC SIMs ship with the schemes' load files (provisioning/gp/simulator/catalog.py), so
provisioning only installs an instance and personalises it. Sensitive groupings (the ICC keys,
DGI 8000) travel encrypted under the security domain's DEK; the others are protected by the
secure channel's command encryption.
"""

from dataclasses import dataclass
from datetime import date

from issuers.models import PaymentNetwork
from provisioning.carddata import OpenCard
from provisioning.errors import ProvisioningError
from provisioning.gp.commands import Dgi
from provisioning.gp.crypto import kcv_aes
from provisioning.gp.simulator.catalog import INTERAC, MASTERCARD, VISA, PreloadedProduct
from provisioning.gp.tlv import encode_tlv

DGI_RECORD = 0x0101
DGI_FCI = 0x9102
DGI_ICC_KEYS = 0x8000
DGI_ICC_KEY_KCVS = 0x9000
# Service code 201: international, chip, normal authorisation, no restrictions.
_SERVICE_CODE = "201"


@dataclass(frozen=True)
class AppletProfile:
    code: str
    scheme: str
    label: str
    product: PreloadedProduct
    priority: int = 1

    @property
    def instance_base(self) -> bytes:
        return self.product.default_instance


PROFILES: dict[str, AppletProfile] = {
    p.code: p
    for p in (
        AppletProfile("visa_vsdc", PaymentNetwork.VISA, "VISA CREDIT", VISA),
        AppletProfile("visa_debit", PaymentNetwork.VISA, "VISA DEBIT", VISA),
        AppletProfile("mastercard_mchip", PaymentNetwork.MASTERCARD, "MASTERCARD", MASTERCARD),
        AppletProfile("interac_flash", PaymentNetwork.INTERAC, "INTERAC", INTERAC),
    )
}


def profile_for(code: str, *, scheme: str) -> AppletProfile:
    profile = PROFILES.get(code)
    if profile is None:
        raise ProvisioningError(
            "unknown_applet_profile",
            f"Applet profile is one of {', '.join(sorted(PROFILES))}.",
            field="applet_profile",
        )
    if profile.scheme != scheme:
        raise ProvisioningError(
            "profile_scheme_mismatch",
            f"Profile {code} is for {PaymentNetwork(profile.scheme).label} cards.",
            field="applet_profile",
        )
    return profile


def _bcd(digits: str) -> bytes:
    if len(digits) % 2:
        digits += "F"
    return bytes.fromhex(digits)


def _last_day(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def personalisation(profile: AppletProfile, card: OpenCard) -> list[Dgi]:
    """The data groupings one STORE DATA sequence gives the applet instance."""
    expiry = f"{card.expiry_year % 100:02d}{card.expiry_month:02d}"
    track2 = _bcd(f"{card.pan}D{expiry}{_SERVICE_CODE}{'0' * 5}")
    last_day = _last_day(card.expiry_year, card.expiry_month)
    record = encode_tlv(
        0x70,
        encode_tlv(0x57, track2)
        + encode_tlv(0x5A, _bcd(card.pan))
        + encode_tlv(0x5F24, bytes.fromhex(f"{last_day:%y%m%d}"))
        + encode_tlv(0x5F20, card.cardholder_name.encode("ascii"))
        + encode_tlv(0x5F34, bytes.fromhex(f"{card.pan_sequence:02d}")),
    )
    fci = encode_tlv(
        0xA5,
        encode_tlv(0x50, profile.label.encode("ascii"))
        + encode_tlv(0x87, bytes([profile.priority])),
    )
    keys = b"".join(card.icc_keys)
    kcvs = b"".join(kcv_aes(key) for key in card.icc_keys)
    return [
        Dgi(DGI_RECORD, record),
        Dgi(DGI_FCI, fci),
        Dgi(DGI_ICC_KEYS, keys, sensitive=True),
        Dgi(DGI_ICC_KEY_KCVS, kcvs),
    ]
