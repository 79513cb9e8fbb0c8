"""Key custody: the key sets of every security domain EnStream manages, sealed in the keystore.

The SEM holds each SE's ISD key set; the SP TSM holds one SSD key set per issuer per SE (the
SEM's initial set until key handover, then the issuer's). A key set is stored only sealed
(`enstream.keystore`, purpose "isd_keys" or "ssd_keys", owner "mno.se:<iccid>:<sd aid>") and
named everywhere by its key version and the KCVs of its three keys.

Each record also carries the SCP sequence counter the card holds for that key set: with a
pseudo-random card challenge (SCP03 i=70, SCP02 i=55) the SP TSM prepares a whole session
offline from it, so the counter must be known exactly (`sd_counter` / `sd_counter_set`).
"""

import secrets
from typing import Any, ClassVar, Literal

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from enstream.keystore import seal, secret_destroy, unseal
from enstream.tenancy import TenantQuerySet
from mno.errors import RegistryError
from mno.registry import SecureElement
from provisioning.gp.keys import KeySet

ISD_PURPOSE = "isd_keys"
SSD_PURPOSE = "ssd_keys"
# Layout of a sealed key set: format, kind (0 AES, 1 DES), version, key length, ENC MAC DEK.
_PACK_FORMAT = 1
_KINDS = ("aes", "des")
# GlobalPlatform KCVs (AES: ECB of 16 x 01, DES: ECB of 8 x 00, first 3 bytes); PCI PIN would
# want CMAC for AES, so the method is stored beside the values.
KCV_METHODS = {"aes": "gp-aes-01", "des": "gp-des-00"}


class SdRole(models.TextChoices):
    ISD = "isd", "ISD (SEM)"
    SSD = "ssd", "SSD (issuer)"


class KeySetState(models.TextChoices):
    ACTIVE = "active", "Active"
    # Superseded on the card; kept sealed until the card is known to hold the new set, so a
    # step re-run after a lost reply can still open a session with whichever set is there.
    REPLACED = "replaced", "Replaced"
    DESTROYED = "destroyed", "Destroyed"


class SdKeySetQuerySet(TenantQuerySet):
    # KCVs and versions only, never keys; still, only EnStream reads custody records.
    tenant_lookups: ClassVar[dict[str, str]] = {}


class SdKeySet(models.Model):
    """One key set of one security domain on one SE: its identity, never its bytes."""

    se = models.ForeignKey(SecureElement, on_delete=models.CASCADE, related_name="key_sets")
    sd_aid = models.CharField("SD AID", max_length=32)
    role = models.CharField(max_length=8, choices=SdRole.choices)
    issuer = models.ForeignKey(
        "issuers.Issuer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    key_version = models.PositiveSmallIntegerField()
    key_kind = models.CharField(max_length=4, choices=[("aes", "AES"), ("des", "3DES")])
    key_length = models.PositiveSmallIntegerField()
    kcv_enc = models.CharField("KCV ENC", max_length=6)
    kcv_mac = models.CharField("KCV MAC", max_length=6)
    kcv_dek = models.CharField("KCV DEK", max_length=6)
    kcv_method = models.CharField(max_length=16)
    secret = models.OneToOneField("keystore.Secret", on_delete=models.PROTECT, related_name="+")
    sequence_counter = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=12, choices=KeySetState.choices, default="active")
    replaces = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    replaced_at = models.DateTimeField(null=True, blank=True)

    objects = SdKeySetQuerySet.as_manager()

    class Meta:
        ordering = ["se_id", "sd_aid", "-created_at"]
        verbose_name = "SD key set"
        constraints = [
            models.UniqueConstraint(
                fields=["se", "sd_aid"],
                condition=Q(state="active"),
                name="one_active_keyset_per_sd",
            )
        ]
        indexes = [models.Index(fields=["se", "sd_aid", "state"], name="keyset_sd_state")]

    def __str__(self) -> str:
        return (
            f"{self.sd_aid} KVN {self.key_version:02X} KCV {self.kcv_enc}/{self.kcv_mac}/"
            f"{self.kcv_dek}"
        )

    @property
    def kcvs(self) -> dict[str, str]:
        return {"enc": self.kcv_enc, "mac": self.kcv_mac, "dek": self.kcv_dek}


def _aid_hex(sd_aid: bytes | str) -> str:
    text = sd_aid.hex() if isinstance(sd_aid, bytes | bytearray) else str(sd_aid)
    text = text.upper()
    try:
        length = len(bytes.fromhex(text))
    except ValueError:
        length = 0
    if not 5 <= length <= 16:
        raise RegistryError("invalid_aid", f"{text[:40]!r} is not an AID (5-16 bytes of hex).")
    return text


def custody_owner(se: SecureElement, sd_aid: bytes | str) -> str:
    return f"mno.se:{se.iccid}:{_aid_hex(sd_aid)}"


def _pack(keyset: KeySet) -> bytes:
    head = bytes((_PACK_FORMAT, _KINDS.index(keyset.kind), keyset.version, keyset.key_length))
    return head + keyset.enc + keyset.mac + keyset.dek


def _unpack(data: bytes) -> KeySet:
    if len(data) < 4 or data[0] != _PACK_FORMAT:
        raise RegistryError("keyset_unreadable", "The sealed key set has an unknown layout.")
    kind, version, length = _KINDS[data[1]], data[2], data[3]
    keys = data[4:]
    if len(keys) != 3 * length:
        raise RegistryError("keyset_unreadable", "The sealed key set is truncated.")
    return KeySet(keys[:length], keys[length : 2 * length], keys[2 * length :], version, kind)


def _purpose(se: SecureElement, aid: str) -> str:
    return ISD_PURPOSE if aid == se.isd_aid else SSD_PURPOSE


def sd_keyset_record_new(
    *, se: SecureElement, sd_aid: bytes | str, keyset: KeySet, issuer: Any = None, counter: int = 0
) -> SdKeySet:
    """An unsaved custody record whose keys are already sealed (a saved keystore row). For
    bulk loaders (`simulate_fleet`); everything else calls `sd_keyset_store`."""
    aid = _aid_hex(sd_aid)
    purpose = _purpose(se, aid)
    kcvs = {name: value.hex().upper() for name, value in keyset.kcvs.items()}
    return SdKeySet(
        se=se,
        sd_aid=aid,
        role=SdRole.ISD if purpose == ISD_PURPOSE else SdRole.SSD,
        issuer=issuer,
        key_version=keyset.version,
        key_kind=keyset.kind,
        key_length=keyset.key_length,
        kcv_enc=kcvs["enc"],
        kcv_mac=kcvs["mac"],
        kcv_dek=kcvs["dek"],
        kcv_method=KCV_METHODS[keyset.kind],
        secret=seal(_pack(keyset), purpose=purpose, owner=custody_owner(se, aid)),
        sequence_counter=counter,
    )


@transaction.atomic
def sd_keyset_store(
    *,
    se: SecureElement,
    sd_aid: bytes | str,
    keyset: KeySet,
    issuer: Any = None,
    replaces: "SdKeySet | int | None" = None,
    sequence_counter: int = 0,
) -> SdKeySet:
    """Seal `keyset` as the active key set of the security domain `sd_aid` on `se`.

    A domain has one active set. To store another, name the one it replaces (the record or its
    key version): that one becomes REPLACED and stays readable (`sd_keyset(..., version=)`)
    until `sd_keysets_purge_replaced`, so a step re-run after a lost PUT KEY answer can still
    try it. The new set's counter starts at `sequence_counter` (a new key set on a card
    starts at 0).
    """
    aid = _aid_hex(sd_aid)
    active = (
        SdKeySet.objects.select_for_update()
        .filter(se=se, sd_aid=aid, state=KeySetState.ACTIVE)
        .first()
    )
    if active is not None:
        if replaces is None:
            raise RegistryError(
                "keyset_active",
                f"{aid} on {se.iccid} already has key set {active.key_version:02X}; "
                "name the key set this one replaces.",
            )
        if isinstance(replaces, SdKeySet):
            matches = replaces.pk == active.pk
        else:
            matches = replaces == active.key_version
        if not matches:
            raise RegistryError(
                "keyset_mismatch",
                f"The key set to replace is not the active one ({active.key_version:02X}).",
            )
        active.state = KeySetState.REPLACED
        active.replaced_at = timezone.now()
        active.save(update_fields=["state", "replaced_at"])
    elif replaces is not None:
        raise RegistryError("keyset_mismatch", f"{aid} on {se.iccid} has no active key set.")
    record = sd_keyset_record_new(
        se=se, sd_aid=aid, keyset=keyset, issuer=issuer, counter=sequence_counter
    )
    record.replaces = active
    record.save(force_insert=True)
    return record


def sd_keyset_record(
    se: SecureElement, sd_aid: bytes | str, *, version: int | None = None
) -> SdKeySet:
    """The custody record (version, KCVs, counter) of the active key set, or of `version`
    among the sets still held; RegistryError("no_keyset") if there is none."""
    records = SdKeySet.objects.filter(se=se, sd_aid=_aid_hex(sd_aid))
    if version is None:
        records = records.filter(state=KeySetState.ACTIVE)
    else:
        records = records.filter(
            key_version=version, state__in=[KeySetState.ACTIVE, KeySetState.REPLACED]
        )
    record = records.select_related("secret").order_by("-created_at").first()
    if record is None:
        which = "an active key set" if version is None else f"key set {version:02X}"
        raise RegistryError("no_keyset", f"{_aid_hex(sd_aid)} on {se.iccid} has no {which}.")
    return record


def sd_keyset(se: SecureElement, sd_aid: bytes | str, *, version: int | None = None) -> KeySet:
    """Unseal the active key set of `sd_aid` on `se` (or the held set of `version`)."""
    return sd_keyset_open(sd_keyset_record(se, sd_aid, version=version))


def sd_keyset_open(record: SdKeySet) -> KeySet:
    """Unseal the keys of a custody record (its `se` and `secret` loaded), checked by KCV."""
    aid = record.sd_aid
    data = unseal(
        record.secret, purpose=_purpose(record.se, aid), owner=custody_owner(record.se, aid)
    )
    keyset = _unpack(data)
    if keyset.kcvs["enc"].hex().upper() != record.kcv_enc:
        raise RegistryError("keyset_unreadable", "The sealed key set does not match its KCV.")
    return keyset


def sd_keysets_held(se: SecureElement) -> list[SdKeySet]:
    """Every key set of the SE still held (active or replaced), newest first, sealed secrets
    loaded: a provisioning task reads custody once and answers its questions from this."""
    return list(
        SdKeySet.objects.filter(se=se, state__in=[KeySetState.ACTIVE, KeySetState.REPLACED])
        .select_related("secret")
        .order_by("-created_at")
    )


def isd_keyset(se: SecureElement) -> KeySet:
    """The SEM's key set of the SE's issuer security domain."""
    return sd_keyset(se, se.isd_aid)


def sd_counter(se: SecureElement, sd_aid: bytes | str, *, version: int | None = None) -> int:
    """The sequence counter the card holds for the domain's active key set (or `version`)."""
    return sd_keyset_record(se, sd_aid, version=version).sequence_counter


def sd_counter_set(
    *, se: SecureElement, sd_aid: bytes | str, counter: int, version: int | None = None
) -> int:
    """Record that the card's counter reached `counter`; returns the value now stored."""
    return sd_counter_advance(sd_keyset_record(se, sd_aid, version=version), counter)


def sd_counter_advance(record: SdKeySet, counter: int) -> int:
    """Raise the record's counter to `counter`; returns the value now stored.

    Card counters only go up, so a lower value (a redelivered reply, a late step) is ignored:
    the update is a compare-and-set on `sequence_counter < counter`.
    """
    if isinstance(counter, bool) or not isinstance(counter, int) or counter < 0:
        raise RegistryError("invalid_counter", "A sequence counter is a whole number >= 0.")
    SdKeySet.objects.filter(pk=record.pk, sequence_counter__lt=counter).update(
        sequence_counter=counter
    )
    record.sequence_counter = max(record.sequence_counter, counter)
    return record.sequence_counter


@transaction.atomic
def sd_keysets_purge_replaced(*, se: SecureElement, sd_aid: bytes | str) -> int:
    """Destroy the sealed keys of the domain's replaced key sets, once the card is known to
    hold the active one. Returns how many were destroyed."""
    return _destroy(se, sd_aid, [KeySetState.REPLACED])


@transaction.atomic
def sd_keysets_destroy(*, se: SecureElement, sd_aid: bytes | str) -> int:
    """Destroy every key set of a security domain the card no longer has (its SSD deleted):
    keys that open nothing are only a liability. Returns how many were destroyed."""
    return _destroy(se, sd_aid, [KeySetState.ACTIVE, KeySetState.REPLACED])


def _destroy(se: SecureElement, sd_aid: bytes | str, states: list[str]) -> int:
    records = list(
        SdKeySet.objects.select_for_update()
        .filter(se=se, sd_aid=_aid_hex(sd_aid), state__in=states)
        .select_related("secret")
    )
    for record in records:
        secret_destroy(record.secret)
        record.state = KeySetState.DESTROYED
        record.save(update_fields=["state"])
    return len(records)


def ssd_keyset_generate(
    *, version: int = 0x30, kind: Literal["aes", "des"] = "aes", length: int = 16
) -> KeySet:
    """Fresh random keys for a security domain (AES-128 for SCP03 unless told otherwise)."""
    return KeySet(
        secrets.token_bytes(length),
        secrets.token_bytes(length),
        secrets.token_bytes(length),
        version,
        kind,
    )
