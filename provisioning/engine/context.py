"""One job's view of the database while a task works on it: addresses, keys and card data from
custody and the keystore (unsealed only when a script needs them), counters written back."""

from collections.abc import Callable
from functools import cached_property

from mno.custody import (
    KeySetState,
    SdKeySet,
    sd_counter_advance,
    sd_keyset_open,
    sd_keyset_store,
    sd_keysets_destroy,
    sd_keysets_held,
    sd_keysets_purge_replaced,
    ssd_keyset_generate,
)
from mno.models import AdapterKind, SecureElement
from provisioning.carddata import card_data_open
from provisioning.engine.segments import ISD, SSD
from provisioning.errors import ProvisioningError
from provisioning.gp.commands import Dgi
from provisioning.gp.keys import KeySet
from provisioning.gp.registry import Privilege
from provisioning.gp.simulator.catalog import PreloadedProduct
from provisioning.models import Credential, IssuerDomain, Job
from provisioning.profiles import PROFILES, personalisation

# Key versions by SCP (GPC_GUI_010): SCP03 key sets 30-3F, SCP02 20-2F. The SEM's initial set
# takes the first; each handover or rotation takes the next, wrapping within the range.
_KEY_VERSION_BASE = {3: 0x30, 2: 0x20}
# OTA channels that carry commands for several security domains in one script. SCP80 (SMS)
# and SCP81 (RAM over HTTP) address one domain (TAR) per session, so there the SEM's script and
# the SP TSM's script travel separately.
_MULTI_DOMAIN_ADAPTERS = (AdapterKind.SIMULATED,)


def _privileges(names: list[str]) -> Privilege:
    """The SSD's privileges from the allocation. The SP TSM manages its SSD in authorized mode:
    delegated management would need a token from the SEM for every change, and EnStream runs
    the SEM itself, so the allocation's delegated management is granted as authorized."""
    out = Privilege.SECURITY_DOMAIN | Privilege.AUTHORIZED_MANAGEMENT
    for name in names:
        if name != "delegated_management":
            out |= Privilege[name.upper()]
    return out


class JobContext:
    """Materials and effects for the segment builder and answer reader (engine.segments/view)."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.se: SecureElement = job.se
        self.credential: Credential | None = job.credential
        self.domain: IssuerDomain | None = job.domain
        self.scp = self.se.scp
        self.isd_i = self.se.scp_i
        self.isd_aid = self.se.isd_aid_bytes
        self.ssd_aid = self.domain.aid_bytes if self.domain is not None else b""
        self.instance_aid = (
            self.credential.instance_aid_bytes if self.credential is not None else None
        )
        self._keys: dict[tuple[str, int], KeySet] = {}
        self._deferred: list[Callable[[], None]] = []

    def defer(self, write: Callable[[], None]) -> None:
        """Run `write` at the end of the task's transaction (`flush`): counters that every job
        updates (an allocation's, the usage ledger's rollups) are then locked for the last
        few milliseconds of the transaction, not for all of it, so workers do not queue on
        them."""
        self._deferred.append(write)

    def flush(self) -> None:
        while self._deferred:
            self._deferred.pop(0)()

    def mark(self) -> int:
        return len(self._deferred)

    def discard(self, mark: int) -> None:
        """Drop what a plan deferred before it was abandoned (it will not be sent)."""
        del self._deferred[mark:]

    @cached_property
    def spans_domains(self) -> bool:
        connection = getattr(self.se.mno, "connection", None)
        kind = connection.adapter_kind if connection is not None else AdapterKind.SIMULATED
        return kind in _MULTI_DOMAIN_ADAPTERS

    # -- keys ------------------------------------------------------------------------------

    def keyset(self, domain: str, version: int) -> KeySet:
        cached = self._keys.get((domain, version))
        if cached is None:
            aid = self.isd_aid if domain == ISD else self.ssd_aid
            record = self._record(aid, version)
            if record is None:
                raise ProvisioningError(
                    "key_mismatch", "A key set the card uses is not in custody."
                )
            cached = sd_keyset_open(record)
            self._keys[(domain, version)] = cached
        return cached

    @cached_property
    def _held(self) -> list[SdKeySet]:
        # A task asks about the same few key sets many times: custody is read once, and this
        # task's own writes keep the list current.
        records = sd_keysets_held(self.se)
        for record in records:
            record.se = self.se
        return records

    def _record(self, aid: bytes, version: int | None = None) -> SdKeySet | None:
        """The active key set of the domain, or the newest held set of `version`."""
        aid_hex = aid.hex().upper()
        for record in self._held:
            if record.sd_aid != aid_hex:
                continue
            if record.key_version == version or (
                version is None and record.state == KeySetState.ACTIVE
            ):
                return record
        return None

    def _store(self, keys: KeySet, *, replaces: int | None, issuer: object = None) -> None:
        record = sd_keyset_store(
            se=self.se, sd_aid=self.ssd_aid, keyset=keys, issuer=issuer, replaces=replaces
        )
        for held in self._held:
            if held.sd_aid == record.sd_aid and held.state == KeySetState.ACTIVE:
                held.state = KeySetState.REPLACED
        self._held.insert(0, record)
        self._keys[(SSD, keys.version)] = keys

    def isd_version(self) -> int:
        record = self._record(self.isd_aid)
        if record is None:
            raise ProvisioningError("key_mismatch", "The SIM's ISD key set is not in custody.")
        return record.key_version

    def counter(self, domain: str, version: int | None) -> int:
        aid = self.isd_aid if domain == ISD else self.ssd_aid
        record = self._record(aid, version)
        if record is None:
            raise ProvisioningError("key_mismatch", "A key set the card uses is not in custody.")
        return record.sequence_counter

    def ssd_keys_held(self) -> tuple[int, bool] | None:
        """The SSD's active key set in custody: (version, whether it is the issuer's)."""
        record = self._record(self.ssd_aid)
        return None if record is None else (record.key_version, record.issuer_id is not None)

    def has_ssd_version(self, version: int) -> bool:
        return self._record(self.ssd_aid, version) is not None

    def _next_version(self, after: int) -> int:
        base = _KEY_VERSION_BASE[self.scp]
        return base + (after - base + 1) % 16

    def fresh_initial_keys(self) -> int:
        """A new first key set for an SSD the SEM is about to create (or key): stored in custody
        before the script travels, replacing whatever an earlier attempt left there."""
        held = self.ssd_keys_held()
        keys = ssd_keyset_generate(
            version=_KEY_VERSION_BASE[self.scp], kind="aes" if self.scp == 3 else "des"
        )
        self._store(keys, replaces=held[0] if held is not None else None)
        return keys.version

    def issuer_keys(self, *, on_card: int, rotate: bool = False) -> int:
        """The issuer's key set to hold on the SSD: the active one in custody if it is the
        issuer's (and no rotation is asked), else a fresh one replacing it, stored before any
        PUT KEY travels so that a lost answer never loses the keys."""
        held = self.ssd_keys_held()
        if held is not None and held[1] and not rotate:
            return held[0]
        if held is None:
            raise ProvisioningError("key_mismatch", "The SSD has no key set in custody.")
        keys = ssd_keyset_generate(
            version=self._next_version(max(held[0], on_card)),
            kind="aes" if self.scp == 3 else "des",
        )
        self._store(keys, replaces=held[0], issuer=self.job.issuer)
        return keys.version

    # -- effects of answers (engine.view.Effects) ------------------------------------------

    def counter_seen(self, domain: str, version: int | None, counter: int) -> None:
        aid = self.isd_aid if domain == ISD else self.ssd_aid
        record = self._record(aid, version)
        # A key set the card has but custody does not is left alone: its session will fail
        # with key_mismatch, which says more than a missing counter would.
        if record is None or record.sequence_counter >= counter:
            return
        sd_counter_advance(record, counter)

    def keys_confirmed(self, version: int) -> None:
        # The card holds the issuer's keys: the SEM's initial ones (or the rotated-out ones)
        # are destroyed, so only the issuer's SP TSM can open the SSD from now on.
        active = self._record(self.ssd_aid)
        if active is not None and active.key_version == version:
            sd_keysets_purge_replaced(se=self.se, sd_aid=self.ssd_aid)
            self._held[:] = [
                held
                for held in self._held
                if held.sd_aid != active.sd_aid or held.state == KeySetState.ACTIVE
            ]

    def ssd_keys_destroyed(self) -> None:
        """The SSD is gone from the card: custody destroys every key set it had."""
        sd_keysets_destroy(se=self.se, sd_aid=self.ssd_aid)
        aid_hex = self.ssd_aid.hex().upper()
        self._held[:] = [held for held in self._held if held.sd_aid != aid_hex]
        self._keys = {key: keys for key, keys in self._keys.items() if key[0] != SSD}

    # -- what goes into the SSD and the applet ---------------------------------------------

    def ssd_template(self) -> tuple[Privilege, int, int]:
        domain = self.domain
        assert domain is not None
        return _privileges(domain.allocation.privileges), domain.nv_quota, domain.v_quota

    def product(self) -> PreloadedProduct:
        assert self.credential is not None
        return PROFILES[self.credential.applet_profile].product

    def personalisation(self) -> list[Dgi]:
        credential = self.credential
        if credential is None or credential.card_data is None or credential.card_data.is_destroyed:
            raise ProvisioningError(
                "card_data_purged", "The card data is no longer held for this credential."
            )
        card = card_data_open(credential.card_data, owner=credential.card_data_owner)
        return personalisation(PROFILES[credential.applet_profile], card)


__all__ = ["ISD", "SSD", "JobContext"]
