"""CardManager: card content management over any channel with ``transmit(bytes) -> bytes``.

Give it a :class:`~provisioning.gp.channel.SecureChannel` (from ``open_secure_channel``) for
anything that changes the card; GET DATA also works over a plain transport. Every refusal raises
:class:`GPError` with the card's ``sw``, so callers can treat 6A88 (not found) or 6985 (already
there) as "already done" when a job step is re-run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

from provisioning.gp.apdu import CommandAPDU, ResponseAPDU, Transport
from provisioning.gp.carddata import (
    TAG_CARD_CAPABILITIES,
    TAG_CARD_DATA,
    TAG_CARD_RESOURCES,
    TAG_CPLC,
    TAG_KEY_INFORMATION,
    TAG_SEQUENCE_COUNTER,
    CardCapabilities,
    CardRecognitionData,
    CardResources,
    Cplc,
    KeyInformation,
    get_data,
    parse_sequence_counter,
)
from provisioning.gp.commands import (
    STORE_DGI,
    Dgi,
    SetStatusScope,
    delete,
    delete_key,
    lock,
    select,
    set_status,
    store_data_blocks,
    store_data_dgis,
    unlock,
)
from provisioning.gp.errors import GPError
from provisioning.gp.install import (
    DEFAULT_BLOCK_SIZE,
    SSD_LOAD_FILE,
    SSD_MODULE,
    install_for_extradition,
    install_for_install,
    install_for_load,
    install_for_make_selectable,
    install_for_personalization,
    install_parameters,
    load_commands,
    sd_parameters,
)
from provisioning.gp.keyload import (
    KEY_TYPE_AES,
    KEY_TYPE_DES,
    check_put_key_response,
    key_loading_dgis,
    put_key,
)
from provisioning.gp.keys import KeySet
from provisioning.gp.registry import Privilege, RegistryEntry, StatusScope, get_status
from provisioning.gp.registry import parse_status_response as _parse_status

__all__ = ["DEFAULT_SSD_PRIVILEGES", "CardManager", "KeyEncryptingChannel"]

# An SP TSM's domain in authorized mode: it manages its own content without tokens.
DEFAULT_SSD_PRIVILEGES = Privilege.SECURITY_DOMAIN | Privilege.AUTHORIZED_MANAGEMENT
# 256 pages of GET STATUS is far beyond any SIM; more means a card that keeps answering 6310.
_MAX_STATUS_PAGES = 256
_S16_BLOCK_SIZE = 223


class KeyEncryptingChannel(Transport, Protocol):
    """A secure channel that can also encrypt keys and sensitive data under its DEK."""

    def encrypt_key(self, key: bytes) -> bytes: ...
    def encrypt_sensitive(self, data: bytes, *, pad: bool = False) -> bytes: ...


class CardManager:
    """The GP card-management commands of one session, with GET STATUS paging handled."""

    def __init__(self, channel: Transport, *, block_size: int | None = None) -> None:
        self._channel = channel
        s16 = bool(getattr(channel, "s16", False))
        self.block_size = block_size or (_S16_BLOCK_SIZE if s16 else DEFAULT_BLOCK_SIZE)

    def send(self, command: CommandAPDU, *also_ok: int) -> ResponseAPDU:
        """Transmit one command; raise GPError unless the SW is 9000 or in ``also_ok``."""
        raw = self._channel.transmit(command.to_bytes())
        return ResponseAPDU.parse(raw).raise_for_status(*also_ok)

    def _secure(self) -> KeyEncryptingChannel:
        channel = self._channel
        if not hasattr(channel, "encrypt_key") or not hasattr(channel, "encrypt_sensitive"):
            raise GPError("this operation needs a secure channel (keys travel encrypted)")
        return channel  # type: ignore[return-value]

    # -- reading -------------------------------------------------------------------------

    def select(self, aid: bytes = b"") -> bytes:
        """SELECT by AID and return the FCI (a plain transport only: selecting ends a session)."""
        return self.send(select(aid)).data

    def get_status(self, scope: StatusScope, *, aid: bytes = b"") -> list[RegistryEntry]:
        """Every matching entry, following 6310 "more data" pages; [] when none match (6A88)."""
        entries: list[RegistryEntry] = []
        command = get_status(scope, aid=aid)
        for _ in range(_MAX_STATUS_PAGES):
            resp = self.send(command, 0x6310, 0x6A88)
            if resp.sw == 0x6A88:
                return entries
            entries += _parse_status(resp.data, scope)
            if resp.sw != 0x6310:
                return entries
            command = get_status(scope, aid=aid, next_occurrence=True)
        raise GPError(f"GET STATUS still pages after {_MAX_STATUS_PAGES} answers")

    def list_content(self) -> list[RegistryEntry]:
        """ISD, applications and SSDs, and load files with their modules, as far as visible."""
        out: list[RegistryEntry] = []
        for scope in (StatusScope.ISD, StatusScope.APPLICATIONS):
            out += self.get_status(scope)
        try:
            out += self.get_status(StatusScope.LOAD_FILES_AND_MODULES)
        except GPError as exc:
            if exc.sw != 0x6A86:
                raise
            out += self.get_status(StatusScope.LOAD_FILES)  # GP 2.1 cards lack scope 10
        return out

    def find(self, aid: bytes) -> RegistryEntry | None:
        """The application or SSD with exactly ``aid``, or None: what re-run steps check first."""
        hits = self.get_status(StatusScope.APPLICATIONS, aid=aid)
        return next((e for e in hits if e.aid == aid), None)

    def get_data(self, tag: int) -> bytes:
        return self.send(get_data(tag)).data

    def cplc(self) -> Cplc:
        return Cplc.parse(self.get_data(TAG_CPLC))

    def card_data(self) -> CardRecognitionData:
        return CardRecognitionData.parse(self.get_data(TAG_CARD_DATA))

    def key_information(self) -> KeyInformation:
        return KeyInformation.parse(self.get_data(TAG_KEY_INFORMATION))

    def capabilities(self) -> CardCapabilities:
        return CardCapabilities.parse(self.get_data(TAG_CARD_CAPABILITIES))

    def resources(self) -> CardResources:
        """Free non-volatile and volatile memory (FF21)."""
        return CardResources.parse(self.get_data(TAG_CARD_RESOURCES))

    def sequence_counter(self) -> int:
        """The current SD's SCP sequence counter (C1), to prepare scripts offline."""
        return parse_sequence_counter(self.get_data(TAG_SEQUENCE_COUNTER))

    # -- card content --------------------------------------------------------------------

    def load(
        self,
        load_file_aid: bytes,
        load_file: bytes,
        *,
        sd_aid: bytes = b"",
        parameters: bytes = b"",
        with_hash: bool = False,
    ) -> None:
        """INSTALL [for load] then the LOAD blocks (``with_hash``: SHA-256 of the file)."""
        block_hash = hashlib.sha256(load_file).digest() if with_hash else b""
        self.send(
            install_for_load(
                load_file_aid, sd_aid=sd_aid, block_hash=block_hash, parameters=parameters
            )
        )
        for command in load_commands(load_file, block_size=self.block_size):
            self.send(command)

    def install_instance(
        self,
        load_file: bytes,
        module: bytes,
        instance: bytes,
        *,
        privileges: Privilege = Privilege.NONE,
        parameters: bytes | None = None,
        make_selectable: bool = True,
    ) -> None:
        params = install_parameters() if parameters is None else parameters
        command = install_for_install(
            load_file,
            module,
            instance,
            privileges=privileges,
            parameters=params,
            make_selectable=make_selectable,
        )
        self.send(command)

    def make_selectable(self, aid: bytes, *, privileges: Privilege = Privilege.NONE) -> None:
        self.send(install_for_make_selectable(aid, privileges=privileges))

    def create_ssd(
        self,
        aid: bytes,
        *,
        privileges: Privilege = DEFAULT_SSD_PRIVILEGES,
        nv_quota: int | None = None,
        v_quota: int | None = None,
        scp: int = 3,
        i: int = 0x70,
    ) -> None:
        """INSTALL [for install and make selectable] an SSD with its SCP, i and memory quotas."""
        params = install_parameters(
            sd_parameters(scp=scp, i_param=i), nv_quota=nv_quota, v_quota=v_quota
        )
        self.install_instance(
            SSD_LOAD_FILE,
            SSD_MODULE,
            aid,
            privileges=privileges | Privilege.SECURITY_DOMAIN,
            parameters=params,
        )

    def extradite(self, aid: bytes, to_sd: bytes) -> None:
        self.send(install_for_extradition(aid, to_sd))

    # -- keys ----------------------------------------------------------------------------

    def put_keyset(self, new_keys: KeySet, *, replace_version: int | None = None) -> None:
        """PUT KEY into the session's own domain; the card's KCVs must match (else GPError).

        After a replacement the old keys no longer open a session: this is the key handover.
        """
        channel = self._secure()
        command = put_key(
            new_keys, encrypt_key=channel.encrypt_key, replace_version=replace_version
        )
        check_put_key_response(self.send(command).data, new_keys)

    def personalize_sd_keys(self, sd_aid: bytes, keys: KeySet) -> None:
        """Give an SSD its first key set from the parent's session (the SEM's step).

        INSTALL [for personalization] of the SSD, then STORE DATA with DGI 00B9 / 8113, the keys
        encrypted under the parent session's DEK.
        """
        channel = self._secure()
        dgis = key_loading_dgis(
            [(1, keys.enc), (2, keys.mac), (3, keys.dek)],
            version=keys.version,
            key_type=KEY_TYPE_AES if keys.kind == "aes" else KEY_TYPE_DES,
            encrypt_key=channel.encrypt_key,
            purpose=0x0003 if keys.kind == "aes" else 0x0002,
        )
        self.send(install_for_personalization(sd_aid))
        for command in store_data_blocks(dgis, structure=STORE_DGI, block_size=self.block_size):
            self.send(command)

    def delete_keys(self, version: int) -> None:
        self.send(delete_key(version=version))

    # -- personalisation -----------------------------------------------------------------

    def store_data(self, dgis: Sequence[Dgi], *, aid: bytes | None = None) -> None:
        """STORE DATA in DGI format; sensitive DGIs are encrypted under the DEK (80-padded).

        With ``aid``, INSTALL [for personalization] routes the data to that application first.
        """
        encrypt = None
        if any(d.sensitive for d in dgis):
            channel = self._secure()

            def encrypt(value: bytes) -> bytes:
                return channel.encrypt_sensitive(value, pad=True)

        if aid is not None:
            self.send(install_for_personalization(aid))
        for command in store_data_dgis(dgis, encrypt=encrypt, block_size=self.block_size):
            self.send(command)

    def store_tlvs(self, data: bytes, *, aid: bytes | None = None) -> None:
        """STORE DATA of BER-TLV objects (not encrypted), split into blocks."""
        if aid is not None:
            self.send(install_for_personalization(aid))
        for command in store_data_blocks(data, block_size=self.block_size):
            self.send(command)

    # -- life cycle ----------------------------------------------------------------------

    def lock(self, aid: bytes, *, with_applications: bool = False) -> None:
        self.send(lock(aid, with_applications=with_applications))

    def unlock(self, aid: bytes, *, with_applications: bool = False) -> None:
        self.send(unlock(aid, with_applications=with_applications))

    def set_status(self, scope: SetStatusScope, state: int, aid: bytes = b"") -> None:
        self.send(set_status(scope, state, aid))

    def delete(self, aid: bytes, *, related: bool = False) -> None:
        self.send(delete(aid, related=related))
