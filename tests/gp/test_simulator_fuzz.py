"""Property tests: whatever bytes arrive, the virtual card answers a status word and stays sane."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisioning.gp.apdu import CommandAPDU, ResponseAPDU
from provisioning.gp.channel import SecurityLevel, open_secure_channel
from provisioning.gp.commands import Dgi, delete, lock, store_data_dgis
from provisioning.gp.errors import SecureChannelError
from provisioning.gp.install import (
    SSD_LOAD_FILE,
    SSD_MODULE,
    install_for_extradition,
    install_for_install,
    install_for_load,
    install_for_personalization,
    install_parameters,
    load_commands,
    sd_parameters,
)
from provisioning.gp.keyload import key_loading_dgis, put_key
from provisioning.gp.registry import Privilege, StatusScope, get_status
from provisioning.gp.simulator import VISA, VirtualCard, build_cap
from tests.gp.cards import (
    ISD_KEYS,
    ISSUER_KEYS,
    MAPLE_SSD,
    PRAIRIE_SSD,
    card_with_issuer_ssd,
    new_card,
)

GP_INS = [0xA4, 0x50, 0x82, 0xCA, 0xF2, 0xE6, 0xE8, 0xE4, 0xD8, 0xF0, 0xE2]

commands = st.builds(
    CommandAPDU,
    cla=st.sampled_from([0x00, 0x80, 0x84, 0x04]) | st.integers(0, 255),
    ins=st.sampled_from(GP_INS) | st.integers(0, 255),
    p1=st.sampled_from([0x00, 0x02, 0x04, 0x0C, 0x10, 0x20, 0x40, 0x60, 0x80])
    | st.integers(0, 255),
    p2=st.sampled_from([0x00, 0x02, 0x03, 0x80, 0x81]) | st.integers(0, 255),
    data=st.binary(max_size=240)
    | st.builds(
        lambda aid, rest: bytes([len(aid)]) + aid + rest,
        st.sampled_from([MAPLE_SSD, bytes.fromhex("A0000000031000"), b""]),
        st.binary(max_size=60),
    ),
    le=st.none() | st.integers(1, 256),
)


def _valid_commands() -> list[CommandAPDU]:
    ssd_params = install_parameters(sd_parameters(scp=3, i_param=0x70), nv_quota=9000)
    return [
        install_for_install(VISA.load_file, VISA.module, VISA.default_instance),
        install_for_install(
            SSD_LOAD_FILE,
            SSD_MODULE,
            PRAIRIE_SSD,
            parameters=ssd_params,
            privileges=Privilege.SECURITY_DOMAIN,
        ),
        install_for_personalization(MAPLE_SSD),
        install_for_extradition(MAPLE_SSD, PRAIRIE_SSD),
        install_for_load(bytes.fromhex("D0D1D2D3D4D501")),
        *load_commands(build_cap(bytes.fromhex("D0D1D2D3D4D501"), [bytes(6)])),
        *store_data_dgis([Dgi(0x0101, bytes(30)), Dgi(0x0202, bytes(300))]),
        put_key(ISSUER_KEYS, encrypt_key=lambda k: k, replace_version=0x30),
        CommandAPDU(
            0x80,
            0xE2,
            0x88,
            0x00,
            key_loading_dgis(
                [(1, bytes(16)), (2, bytes(16)), (3, bytes(16))],
                version=0x30,
                key_type=0x88,
                encrypt_key=lambda k: k,
            ),
        ),
        delete(MAPLE_SSD, related=True),
        lock(MAPLE_SSD, with_applications=True),
        get_status(StatusScope.LOAD_FILES_AND_MODULES),
    ]


VALID = _valid_commands()


@st.composite
def mutated(draw) -> CommandAPDU:
    """A valid command with a few bytes of its data flipped, cut or added."""
    command = draw(st.sampled_from(VALID))
    data = bytearray(command.data)
    for _ in range(draw(st.integers(0, 3))):
        action = draw(st.sampled_from(["flip", "cut", "add"]))
        if action == "flip" and data:
            i = draw(st.integers(0, len(data) - 1))
            data[i] ^= draw(st.integers(1, 255))
        elif action == "cut" and data:
            del data[draw(st.integers(0, len(data) - 1)) :]
        else:
            data += draw(st.binary(min_size=1, max_size=8))
    return command.with_(data=bytes(data))


def _check_sane(card: VirtualCard) -> None:
    state = card.to_state()
    assert VirtualCard.from_state(state).to_state() == state
    assert card.free_nv >= 0


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=300))
def test_arbitrary_bytes_always_get_a_status_word(raw):
    answer = new_card().transmit(raw)
    assert len(answer) >= 2


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequence=st.lists(commands, min_size=1, max_size=6))
def test_arbitrary_apdus_outside_a_session_get_status_words(sequence):
    card = card_with_issuer_ssd()
    for command in sequence:
        ResponseAPDU.parse(card.transmit(command.to_bytes()))
    _check_sane(card)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sequence=st.lists(commands | mutated() | st.sampled_from(VALID), min_size=1, max_size=6),
    level=st.sampled_from([0x01, 0x03, 0x13, 0x33]),
)
def test_arbitrary_apdus_inside_an_authenticated_session_get_status_words(sequence, level):
    card = card_with_issuer_ssd()
    channel = open_secure_channel(
        card, ISD_KEYS, aid=card.isd_aid, security_level=SecurityLevel(level)
    )
    for command in sequence:
        try:
            ResponseAPDU.parse(channel.transmit(command.to_bytes()))
        except SecureChannelError:
            # 6982: the command broke the session rules; the card closed it, cleanly.
            break
    _check_sane(card)
