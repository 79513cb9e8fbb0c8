"""The plain commands of every step, labelled for the step log and the answer reader.

Builders come from the GP engine (provisioning/gp); this module only names each command's role
(what a refusal of it means) and marks the ones whose data must never be logged.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from provisioning.gp import scp02, scp03
from provisioning.gp.apdu import CommandAPDU
from provisioning.gp.carddata import TAG_KEY_INFORMATION, TAG_SEQUENCE_COUNTER, get_data
from provisioning.gp.commands import (
    STORE_DGI,
    Dgi,
    delete,
    lock,
    select,
    store_data_blocks,
    store_data_dgis,
    unlock,
)
from provisioning.gp.install import (
    DEFAULT_BLOCK_SIZE,
    SSD_LOAD_FILE,
    SSD_MODULE,
    install_for_install,
    install_for_personalization,
    install_parameters,
    sd_parameters,
)
from provisioning.gp.keyload import KEY_TYPE_AES, KEY_TYPE_DES, key_loading_dgis, put_key
from provisioning.gp.keys import KeySet
from provisioning.gp.registry import Privilege, StatusScope, get_status
from provisioning.gp.simulator.catalog import PreloadedProduct


class Role:
    """What a command is for: the answer reader decides what a refusal means from it."""

    SELECT = "select"
    ISD_COUNTER = "isd_counter"
    SSD_KEYS_INFO = "ssd_key_info"
    SSD_COUNTER = "ssd_counter"
    SELECT_SSD = "select_ssd"
    SELECT_INSTANCE = "select_instance"
    INSTALL_SSD = "install_ssd"
    SSD_KEYS = "ssd_keys"
    STATUS_SSD = "status_ssd"
    DELETE_SSD = "delete_ssd"
    PUT_KEY = "put_key"
    INSTALL_APPLET = "install_applet"
    PERSONALISE = "personalise"
    LOCK = "lock"
    UNLOCK = "unlock"
    DELETE_APPLET = "delete_applet"
    STATUS_APPLET = "status_applet"
    # The session handshake that prepare_session adds in front of a segment's commands.
    INITIALIZE_UPDATE = "initialize_update"
    EXTERNAL_AUTHENTICATE = "external_authenticate"


@dataclass(frozen=True)
class Cmd:
    apdu: bytes = field(repr=False)
    label: str
    role: str
    sensitive: bool = False


def _cmd(command: CommandAPDU, label: str, role: str, *, sensitive: bool = False) -> Cmd:
    return Cmd(command.to_bytes(), label, role, sensitive)


class KeyEncryption:
    """Encrypts keys and sensitive DGIs as the prepared session's card will decrypt them.

    SCP03 uses the static Key-DEK (AES-CBC, zero ICV); SCP02 the session DEK, derived from the
    sequence counter the session will use. Neither needs the card's challenge, which is why a
    whole personalisation can be prepared offline.
    """

    def __init__(self, keys: KeySet, *, scp: int, i_param: int, session_counter: int) -> None:
        if scp == 3:
            width = 16 if i_param & scp03.I_S16 else 8
            self._session = scp03.Scp03Session(keys, bytes(width), bytes(width), i_param=i_param)
        else:
            self._session = scp02.Scp02Session(
                keys, bytes(8), bytes(6), sequence_counter=session_counter, i_param=i_param
            )

    def key(self, value: bytes) -> bytes:
        return self._session.encrypt_key(value)

    def sensitive(self, value: bytes) -> bytes:
        return self._session.encrypt_sensitive(value, pad=True)


# -- reading the card (no secure channel) -------------------------------------------------


def select_sd(aid: bytes) -> Cmd:
    return _cmd(select(aid), "SELECT", Role.SELECT)


def probe(isd_aid: bytes, ssd_aid: bytes, instance_aid: bytes | None) -> list[Cmd]:
    """What can be read without opening a session: the ISD's counter, whether the SSD exists,
    its key versions and counter, and whether the applet instance answers SELECT."""
    commands = [
        _cmd(select(isd_aid), "SELECT ISD", Role.SELECT),
        _cmd(get_data(TAG_SEQUENCE_COUNTER), "GET DATA C1", Role.ISD_COUNTER),
        _cmd(select(ssd_aid), "SELECT SSD", Role.SELECT_SSD),
        _cmd(get_data(TAG_KEY_INFORMATION), "GET DATA E0", Role.SSD_KEYS_INFO),
        _cmd(get_data(TAG_SEQUENCE_COUNTER), "GET DATA C1", Role.SSD_COUNTER),
    ]
    if instance_aid is not None:
        commands.append(_cmd(select(instance_aid), "SELECT instance", Role.SELECT_INSTANCE))
    return commands


def status(aid: bytes, role: str) -> Cmd:
    return _cmd(get_status(StatusScope.APPLICATIONS, aid=aid), "GET STATUS", role)


# -- the SEM, in the ISD ------------------------------------------------------------------


def install_ssd(
    aid: bytes, *, privileges: Privilege, nv_quota: int, v_quota: int, scp: int, i_param: int
) -> Cmd:
    params = install_parameters(
        sd_parameters(scp=scp, i_param=i_param), nv_quota=nv_quota, v_quota=v_quota
    )
    command = install_for_install(
        SSD_LOAD_FILE,
        SSD_MODULE,
        aid,
        privileges=privileges | Privilege.SECURITY_DOMAIN,
        parameters=params,
    )
    return _cmd(command, "INSTALL [install, selectable] SSD", Role.INSTALL_SSD)


def ssd_initial_keys(aid: bytes, keys: KeySet, encrypt_key: Callable[[bytes], bytes]) -> list[Cmd]:
    """INSTALL [for personalization] of the SSD, then its first key set (DGI 00B9 + 8113)."""
    dgis = key_loading_dgis(
        [(1, keys.enc), (2, keys.mac), (3, keys.dek)],
        version=keys.version,
        key_type=KEY_TYPE_AES if keys.kind == "aes" else KEY_TYPE_DES,
        encrypt_key=encrypt_key,
        purpose=0x0003 if keys.kind == "aes" else 0x0002,
    )
    out = [_cmd(install_for_personalization(aid), "INSTALL [personalization] SSD", Role.SSD_KEYS)]
    out += [
        _cmd(c, "STORE DATA (keys)", Role.SSD_KEYS, sensitive=True)
        for c in store_data_blocks(dgis, structure=STORE_DGI, block_size=DEFAULT_BLOCK_SIZE)
    ]
    return out


def delete_ssd(aid: bytes) -> Cmd:
    return _cmd(delete(aid, related=True), "DELETE SSD and content", Role.DELETE_SSD)


# -- the SP TSM, in the issuer's SSD ----------------------------------------------------------


def replace_keys(new: KeySet, replace_version: int, encrypt_key: Callable[[bytes], bytes]) -> Cmd:
    command = put_key(new, encrypt_key=encrypt_key, replace_version=replace_version)
    return _cmd(command, "PUT KEY", Role.PUT_KEY, sensitive=True)


def install_applet(product: PreloadedProduct, instance_aid: bytes) -> Cmd:
    command = install_for_install(
        product.load_file, product.module, instance_aid, parameters=install_parameters()
    )
    return _cmd(command, "INSTALL [install, selectable]", Role.INSTALL_APPLET)


def personalise(
    instance_aid: bytes, dgis: list[Dgi], encrypt: Callable[[bytes], bytes]
) -> list[Cmd]:
    out = [
        _cmd(
            install_for_personalization(instance_aid), "INSTALL [personalization]", Role.PERSONALISE
        )
    ]
    for command in store_data_dgis(dgis, encrypt=encrypt, block_size=DEFAULT_BLOCK_SIZE):
        # Every block carries card data (the record holds the PAN): none is ever logged.
        out.append(_cmd(command, "STORE DATA", Role.PERSONALISE, sensitive=True))
    return out


def lock_applet(aid: bytes) -> Cmd:
    return _cmd(lock(aid), "SET STATUS lock", Role.LOCK)


def unlock_applet(aid: bytes) -> Cmd:
    return _cmd(unlock(aid), "SET STATUS unlock", Role.UNLOCK)


def delete_applet(aid: bytes) -> Cmd:
    return _cmd(delete(aid), "DELETE", Role.DELETE_APPLET)
