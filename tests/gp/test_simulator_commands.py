"""The virtual card's command handling: status words, sessions and secure messaging rules."""

import pytest

from provisioning.gp.apdu import CommandAPDU, ResponseAPDU
from provisioning.gp.carddata import CardRecognitionData, CardResources, Cplc, get_data
from provisioning.gp.channel import SecurityLevel, open_secure_channel
from provisioning.gp.commands import select, store_data_blocks
from provisioning.gp.errors import SecureChannelError
from provisioning.gp.install import install_for_load, load_commands
from provisioning.gp.manager import CardManager
from provisioning.gp.registry import CardLifeCycle, StatusScope, get_status
from provisioning.gp.simulator import VISA, build_cap
from tests.gp.cards import ISD_KEYS, ISSUER_KEYS, MAPLE_SSD, card_with_issuer_ssd, isd, new_card

h = bytes.fromhex


def _send(card, command) -> ResponseAPDU:
    raw = command if isinstance(command, bytes) else command.to_bytes()
    return ResponseAPDU.parse(card.transmit(raw))


class _Recorder:
    """A transport that keeps every exchange, to look at the bytes on the wire."""

    def __init__(self, card):
        self.card = card
        self.exchanges: list[tuple[bytes, bytes]] = []

    def transmit(self, capdu: bytes) -> bytes:
        answer = self.card.transmit(capdu)
        self.exchanges.append((capdu, answer))
        return answer


@pytest.mark.parametrize(
    ("raw", "sw"),
    [
        (h("00"), 0x6700),
        (h("80F240000201"), 0x6700),  # Lc says 2, one byte follows
        (h("80000000"), 0x6D00),
        (h("FFA40400"), 0x6E00),
        (h("01A4040000"), 0x6881),
        (h("0CA4040000"), 0x6882),
        (h("00F24002024F0000"), 0x6E00),  # a GP command in the ISO class
        (h("80F24002024F0000"), 0x6982),  # GET STATUS needs a session
        (h("80E60C0000"), 0x6982),
        (h("84F24002024F0000"), 0x6982),  # secure messaging without a session
        (h("00A4000000"), 0x6A86),
        (h("00A4040005A00000009900"), 0x6A82),
        (h("80CA123400"), 0x6A88),
        (h("8082000000"), 0x6985),  # EXTERNAL AUTHENTICATE without INITIALIZE UPDATE
        (h("8050990008" + "00" * 8 + "00"), 0x6A88),  # unknown key version
    ],
)
def test_malformed_or_unauthorised_commands_get_a_clean_status_word(raw, sw):
    assert _send(new_card(), raw).sw == sw


def test_select_with_no_aid_selects_the_isd_and_returns_its_fci():
    card = new_card()
    fci = _send(card, select()).data
    assert fci == h("6F108408A000000151000000A5049F6501FF")


def test_select_by_partial_aid_finds_the_first_match():
    card = card_with_issuer_ssd()
    assert h("8409" + MAPLE_SSD.hex()) in _send(card, select(MAPLE_SSD[:7])).data


def test_a_selected_applet_carries_its_label_and_answers_gp_commands_with_6d00():
    card = card_with_issuer_ssd()
    isd(card).install_instance(VISA.load_file, VISA.module, VISA.default_instance)
    fci = _send(card, select(VISA.default_instance)).data
    assert b"VISA" in fci
    assert _send(card, h("8050000008" + "00" * 8 + "00")).sw == 0x6D00
    assert _send(card, get_data(0x9F7F)).sw == 0x6D00


def test_an_installed_but_not_selectable_applet_cannot_be_selected():
    card = new_card()
    manager = isd(card)
    manager.install_instance(
        VISA.load_file, VISA.module, VISA.default_instance, make_selectable=False
    )
    assert _send(card, select(VISA.default_instance)).sw == 0x6A82
    isd(card).make_selectable(VISA.default_instance)
    assert _send(card, select(VISA.default_instance)).ok


def test_get_data_works_without_a_session():
    card = new_card(contactless=True)
    assert Cplc.parse(_send(card, get_data(0x9F7F)).data).ic_serial_number == h("01020304")
    data = CardRecognitionData.parse(_send(card, get_data(0x66)).data)
    assert (data.gp_version, data.scp, data.i_param, data.contactless) == ("2.3.1", 3, 0x70, True)
    resources = CardResources.parse(_send(card, get_data(0xFF21)).data)
    assert resources.free_nv == card.free_nv
    assert _send(card, get_data(0x66, cla=0x00)).ok


def test_initialize_update_is_routed_to_the_selected_domain_key_set():
    card = card_with_issuer_ssd()
    challenge = h("8050000008" + "11" * 8 + "00")
    _send(card, select())
    assert _send(card, challenge).data[10] == ISD_KEYS.version
    _send(card, select(MAPLE_SSD))
    assert _send(card, challenge).data[10] == ISSUER_KEYS.version


def test_a_wrong_mac_answers_6982_and_closes_the_session():
    card = new_card()
    wire = _Recorder(card)
    channel = open_secure_channel(
        wire, ISD_KEYS, aid=card.isd_aid, security_level=SecurityLevel.C_MAC
    )
    channel.transmit(get_status(StatusScope.ISD).to_bytes())
    wrapped = wire.exchanges[-1][0]
    assert _send(card, wrapped[:-2] + bytes([wrapped[-2] ^ 1]) + wrapped[-1:]).sw == 0x6982
    with pytest.raises(SecureChannelError) as aborted:
        channel.transmit(get_status(StatusScope.ISD).to_bytes())
    assert aborted.value.sw == 0x6982


def test_a_plain_command_inside_a_mac_session_is_refused():
    card = new_card()
    open_secure_channel(card, ISD_KEYS, aid=card.isd_aid, security_level=SecurityLevel.C_MAC)
    assert _send(card, get_status(StatusScope.ISD)).sw == 0x6982


def test_r_mac_is_added_to_success_answers_and_never_to_errors():
    card = new_card()
    wire = _Recorder(card)
    channel = open_secure_channel(
        wire, ISD_KEYS, aid=card.isd_aid, security_level=SecurityLevel(0x13)
    )
    plain = ResponseAPDU.parse(channel.transmit(get_status(StatusScope.ISD).to_bytes()))
    assert len(wire.exchanges[-1][1]) == len(plain.data) + 8 + 2
    refused = ResponseAPDU.parse(channel.transmit(h("80E40000064F04A0000099")))
    assert refused.sw == 0x6A88
    assert wire.exchanges[-1][1] == h("6A88")


def test_a_session_with_response_encryption_hides_the_registry():
    card = new_card()
    wire = _Recorder(card)
    channel = open_secure_channel(
        wire, ISD_KEYS, aid=card.isd_aid, security_level=SecurityLevel(0x33)
    )
    plain = ResponseAPDU.parse(channel.transmit(get_status(StatusScope.ISD).to_bytes()))
    assert card.isd_aid in plain.data
    assert card.isd_aid not in wire.exchanges[-1][1]


def test_initialize_update_without_external_authenticate_gives_no_session():
    card = new_card()
    _send(card, h("8050000008" + "11" * 8 + "00"))
    assert _send(card, get_status(StatusScope.ISD)).sw == 0x6982


def test_store_data_blocks_must_arrive_in_order():
    card = card_with_issuer_ssd()
    manager = isd(card)
    manager.install_instance(VISA.load_file, VISA.module, VISA.default_instance)
    manager.send(
        CommandAPDU(0x80, 0xE6, 0x20, 0x00, h("000007") + VISA.default_instance + h("000000"))
    )
    second = store_data_blocks(bytes(300), block_size=200)[1]
    assert manager.send(second, 0x6A86).sw == 0x6A86


def test_load_without_install_for_load_is_refused():
    manager = isd(new_card())
    (block,) = load_commands(b"\x01\x00\x00")
    assert manager.send(block, 0x6985).sw == 0x6985


def test_a_load_file_whose_hash_does_not_match_is_refused():
    manager = isd(new_card())
    package = h("D0D1D2D3D4D501")
    manager.send(install_for_load(package, block_hash=bytes(32)))
    (block,) = load_commands(build_cap(package, []))
    assert manager.send(block, 0x6A80).sw == 0x6A80
    assert manager.get_status(StatusScope.LOAD_FILES, aid=package) == []


def test_a_load_file_that_is_no_cap_file_is_refused():
    manager = isd(new_card())
    manager.send(install_for_load(h("D0D1D2D3D4D501")))
    (block,) = load_commands(b"not a cap file")
    assert manager.send(block, 0x6A80).sw == 0x6A80


def test_get_status_next_without_a_first_call_is_refused():
    manager = isd(new_card())
    command = get_status(StatusScope.APPLICATIONS, next_occurrence=True)
    assert manager.send(command, 0x6985).sw == 0x6985


def test_locking_the_card_leaves_only_the_isd_selectable():
    card = new_card()
    manager = isd(card)
    manager.install_instance(VISA.load_file, VISA.module, VISA.default_instance)
    manager.set_status(0x80, CardLifeCycle.CARD_LOCKED)
    assert _send(card, select(VISA.default_instance)).sw == 0x6A82
    isd(card).set_status(0x80, CardLifeCycle.SECURED)
    assert _send(card, select(VISA.default_instance)).ok


def test_a_terminated_card_refuses_everything_but_select_and_get_data():
    card = new_card()
    isd(card).set_status(0x80, CardLifeCycle.TERMINATED)
    assert _send(card, h("8050000008" + "11" * 8 + "00")).sw == 0x6A81
    assert _send(card, select()).ok
    assert _send(card, get_data(0x9F7F)).ok


def test_an_illegal_card_life_cycle_transition_answers_6985():
    manager = isd(new_card())
    assert manager.send(CommandAPDU(0x80, 0xF0, 0x80, 0x01), 0x6985).sw == 0x6985


def test_the_isd_cannot_be_deleted():
    card = new_card()
    assert (
        isd(card).send(CommandAPDU(0x80, 0xE4, 0, 0, h("4F08") + card.isd_aid), 0x6985).ok is False
    )


def test_a_card_manager_over_a_plain_transport_reads_card_data():
    manager = CardManager(new_card())
    assert manager.cplc().ic_serial_number == h("01020304")
    assert manager.capabilities().scp_options[0][0] == 3
