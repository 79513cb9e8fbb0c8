"""Card data: checked on receipt, sealed at once, opened only to personalise, then destroyed.

What an issuer sends (`CardData`) never reaches a log or a repr in clear. It is sealed in the
keystore (purpose "card_data", owner the credential) together with the per-card secrets the SP
TSM derives for the applet; `OpenCard` exists only inside the task that builds or checks the
personalisation script.
"""

import json
import secrets
from dataclasses import dataclass, field
from datetime import date

from enstream.keystore import Secret, lookup_hash, seal, unseal
from issuers.models import PaymentNetwork
from mno.identifiers import luhn_valid
from provisioning.errors import ProvisioningError

PURPOSE = "card_data"
LOOKUP_PURPOSE = "provisioning.pan"
_FORMAT = 1
# ICC master keys of the payment applet (application cryptograms, secure messaging integrity
# and confidentiality): three AES-128 keys, random per card. In production the issuer's
# personalisation bureau supplies them, or they are derived from its master keys in the HSM.
ICC_KEY_COUNT = 3
ICC_KEY_LENGTH = 16

# Interac debit cards carry ISO IINs outside the Visa and Mastercard ranges; these are the
# ones EnStream's issuers use (extend when an issuer brings another range).
INTERAC_IINS = ("5895", "6362")


def _mastercard(pan: str) -> bool:
    two, four = int(pan[:2]), int(pan[:4])
    return 51 <= two <= 55 or 2221 <= four <= 2720


def scheme_of(pan: str) -> str | None:
    """The payment network whose range the card number is in, or None."""
    if pan.startswith(INTERAC_IINS):
        return PaymentNetwork.INTERAC
    if pan.startswith("4"):
        return PaymentNetwork.VISA
    if _mastercard(pan):
        return PaymentNetwork.MASTERCARD
    return None


@dataclass(frozen=True, repr=False)
class CardData:
    """What the issuer sends to personalise one card. Never printed: repr shows the last four."""

    pan: str = field(repr=False)
    expiry_month: int
    expiry_year: int
    cardholder_name: str = field(repr=False)
    token_reference: str = ""
    pan_sequence: int = 0

    def __repr__(self) -> str:
        expiry = f"{self.expiry_month:02d}/{self.expiry_year % 100:02d}"
        return f"CardData(••••{self.pan[-4:]}, {expiry})"

    __str__ = __repr__

    @property
    def last4(self) -> str:
        return self.pan[-4:]


def _digits(pan: object) -> str:
    text = "".join(str(pan).split()).replace("-", "")
    if not text.isascii() or not text.isdigit() or not 13 <= len(text) <= 19:
        raise ProvisioningError(
            "invalid_pan", "A card number is 13 to 19 digits.", field="card_data.pan"
        )
    return text


def card_data_validate(card: CardData, *, scheme: str, today: date) -> CardData:
    """The card data normalised (digits only, four-digit year), or ProvisioningError."""
    pan = _digits(card.pan)
    if not luhn_valid(pan):
        raise ProvisioningError(
            "invalid_pan",
            "The card number's check digit is wrong (Luhn): a digit is mistyped.",
            field="card_data.pan",
        )
    if scheme_of(pan) != scheme:
        raise ProvisioningError(
            "scheme_mismatch",
            f"This card number is not in the {PaymentNetwork(scheme).label} range.",
            field="card_data.pan",
        )
    month, year = card.expiry_month, card.expiry_year
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise ProvisioningError(
            "invalid_expiry", "The expiry month is 1 to 12.", field="card_data.expiry_month"
        )
    if isinstance(year, bool) or not isinstance(year, int) or not 0 <= year <= 9999:
        raise ProvisioningError(
            "invalid_expiry", "The expiry year is a year.", field="card_data.expiry_year"
        )
    year = year + 2000 if year < 100 else year
    if (year, month) < (today.year, today.month):
        raise ProvisioningError(
            "card_expired", "The card has expired.", field="card_data.expiry_year"
        )
    if year > today.year + 20:
        raise ProvisioningError(
            "invalid_expiry", "The expiry is too far away.", field="card_data.expiry_year"
        )
    name = " ".join(str(card.cardholder_name).split()).upper()
    if not name or len(name) > 26 or not name.isascii() or not name.isprintable():
        raise ProvisioningError(
            "invalid_name",
            "The cardholder name is 1 to 26 printable ASCII characters (EMV tag 5F20).",
            field="card_data.cardholder_name",
        )
    token = str(card.token_reference or "")
    if len(token) > 64 or not token.isprintable():
        raise ProvisioningError(
            "invalid_token_reference",
            "A token reference is at most 64 printable characters.",
            field="card_data.token_reference",
        )
    psn = card.pan_sequence
    if isinstance(psn, bool) or not isinstance(psn, int) or not 0 <= psn <= 99:
        raise ProvisioningError(
            "invalid_pan_sequence", "The PAN sequence is 0 to 99.", field="card_data.pan_sequence"
        )
    return CardData(pan, month, year, name, token, psn)


def pan_hash(pan: str) -> str:
    """The keyed hash every look-up by card number goes through."""
    return lookup_hash(_digits(pan), purpose=LOOKUP_PURPOSE)


@dataclass(frozen=True, repr=False)
class OpenCard:
    """Card data and the derived applet secrets, unsealed for one personalisation."""

    pan: str
    expiry_month: int
    expiry_year: int
    cardholder_name: str
    pan_sequence: int
    icc_keys: tuple[bytes, ...]

    def __repr__(self) -> str:
        return f"OpenCard(••••{self.pan[-4:]})"

    __str__ = __repr__


def card_data_seal(card: CardData, *, owner: str) -> Secret:
    """Seal the card data and fresh per-card applet keys for `owner` (the credential)."""
    body = {
        "format": _FORMAT,
        "pan": card.pan,
        "expiry": [card.expiry_month, card.expiry_year],
        "name": card.cardholder_name,
        "psn": card.pan_sequence,
        "icc_keys": [secrets.token_bytes(ICC_KEY_LENGTH).hex() for _ in range(ICC_KEY_COUNT)],
    }
    return seal(json.dumps(body, separators=(",", ":")).encode(), purpose=PURPOSE, owner=owner)


def card_data_open(secret: Secret, *, owner: str) -> OpenCard:
    """Unseal; KeystoreError when destroyed or bound to another owner."""
    body = json.loads(unseal(secret, purpose=PURPOSE, owner=owner))
    if body.get("format") != _FORMAT:
        raise ProvisioningError("card_data_unreadable", "Sealed card data has an unknown layout.")
    month, year = body["expiry"]
    return OpenCard(
        pan=body["pan"],
        expiry_month=month,
        expiry_year=year,
        cardholder_name=body["name"],
        pan_sequence=body["psn"],
        icc_keys=tuple(bytes.fromhex(k) for k in body["icc_keys"]),
    )
