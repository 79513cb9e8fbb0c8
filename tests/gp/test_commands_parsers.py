"""Answer parsers: GET STATUS registry entries, GET DATA objects and the DGI codec."""

import pytest

from provisioning.gp.carddata import (
    CardCapabilities,
    CardRecognitionData,
    CardResources,
    Cplc,
    KeyInfo,
    KeyInformation,
    parse_sequence_counter,
)
from provisioning.gp.commands import Dgi, encode_dgi, parse_dgis, split_dgis, store_data_dgis
from provisioning.gp.errors import GPParseError
from provisioning.gp.registry import (
    EntryKind,
    LifeCycle,
    Privilege,
    RegistryEntry,
    StatusScope,
    parse_status_response,
)

h = bytes.fromhex

# kaoh/globalplatform scp03Test.c get_status answer (research §2.2.a), SW stripped.
KAOH_APPS = h(
    "E33E4F10A0000005591010FFFFFFFF89000010009F70013FC50380C000C407A0000001515350CE020100CC10"
    "A0000005591010FFFFFFFF8900000100EA028000E3394F10A0000000871002FF01FF4189000001009F7002"
    "0700C503000000C40CA000000095000000004E0001CE020100CC05A000000151EA028000E3304F09A00000"
    "0559101000019F70020700C503000000C407A0000001515350CE020100CC08A000000151000000EA028000"
    "E3304F09A000000559101000029F70020700C503000000C407A0000001515350CE020100CC08A000000151"
    "000000EA028000"
)
# kaoh scp02Test.c get_status_mac_only answer for load files (no privileges, no SD).
KAOH_LOAD_FILES = h(
    "E30D4F07A00000000353509F700101E30B4F05A0000000049F700101E30B4F05325041592E9F700101E30B4F"
    "05F0000711809F700101E30C4F06A000000421209F700101E30D4F07D0D1D2D3D4D5019F700101"
)


def test_get_status_answer_from_kaoh_parses_into_registry_entries():
    entries = parse_status_response(KAOH_APPS, StatusScope.APPLICATIONS)
    assert len(entries) == 4
    isd_p = entries[0]
    assert isd_p.aid == h("A0000005591010FFFFFFFF8900001000")
    assert isd_p.kind is EntryKind.SSD
    assert isd_p.lifecycle == 0x3F
    assert isd_p.privileges == (
        Privilege.SECURITY_DOMAIN | Privilege.TRUSTED_PATH | Privilege.AUTHORIZED_MANAGEMENT
    )
    assert isd_p.associated_sd == h("A0000005591010FFFFFFFF8900000100")
    assert isd_p.load_file == h("A0000001515350")
    assert isd_p.version == h("0100")
    # Two-byte 9F70 values keep the first byte, the life cycle state.
    assert entries[1].lifecycle == LifeCycle.SELECTABLE
    assert entries[1].kind is EntryKind.APPLICATION


def test_load_file_answers_are_load_files_even_without_privileges():
    entries = parse_status_response(KAOH_LOAD_FILES, StatusScope.LOAD_FILES)
    assert [e.aid.hex().upper() for e in entries][:3] == [
        "A0000000035350",
        "A000000004",
        "325041592E",
    ]
    assert {e.kind for e in entries} == {EntryKind.LOAD_FILE}
    assert {e.state for e in entries} == {"LOADED"}


def test_registry_entries_round_trip_through_their_tlv():
    entry = RegistryEntry(
        aid=h("A000000004101001"),
        kind=EntryKind.LOAD_FILE,
        lifecycle=LifeCycle.LOADED,
        version=h("0102"),
        modules=(h("A00000000410100101"), h("A00000000410100102")),
        associated_sd=h("A000000151000000"),
    )
    assert parse_status_response(entry.to_tlv(), StatusScope.LOAD_FILES_AND_MODULES) == [entry]


def test_a_locked_entry_reads_as_locked_with_its_previous_state():
    entry = RegistryEntry(h("A0000000031010"), EntryKind.APPLICATION, 0x8F)
    assert entry.locked
    assert entry.state == "LOCKED (PERSONALIZED)"


def test_the_isd_entry_reports_the_card_life_cycle():
    entry = RegistryEntry(h("A000000151000000"), EntryKind.ISD, 0x0F)
    assert entry.state == "SECURED"
    assert not entry.locked


@pytest.mark.parametrize(
    "bad",
    [
        h("E1034F0100"),  # not an E3 template
        h("E3059F70010F"[:-2] + "00"),  # no AID
        h("E3034F0101"),  # no life cycle
        h("E3"),  # truncated
    ],
)
def test_malformed_status_answers_raise_the_parse_error(bad):
    with pytest.raises(GPParseError):
        parse_status_response(bad, StatusScope.APPLICATIONS)


def _cplc():
    return Cplc(
        ic_fabricator=h("4790"),
        ic_type=h("5167"),
        os_id=h("4791"),
        os_release_date=h("2348"),
        os_release_level=h("2200"),
        ic_fabrication_date=h("4123"),
        ic_serial_number=h("01020304"),
        ic_batch_identifier=h("0001"),
        module_fabricator=h("0000"),
        module_packaging_date=h("0000"),
        icc_manufacturer=h("0000"),
        ic_embedding_date=h("0000"),
        ic_pre_personalizer=h("0000"),
        ic_pre_perso_equipment_date=h("0000"),
        ic_pre_perso_equipment_id=h("00000000"),
        ic_personalizer=h("0000"),
        ic_personalization_date=h("0000"),
        ic_perso_equipment_id=h("00000000"),
    )


def test_cplc_is_42_bytes_behind_tag_9f7f_and_parses_back():
    raw = _cplc().to_bytes()
    assert raw[:3] == h("9F7F2A")
    assert Cplc.parse(raw) == _cplc()
    assert Cplc.parse(raw).as_dict()["ic_serial_number"] == "01020304"


def test_cplc_shorter_than_42_bytes_is_a_parse_error():
    with pytest.raises(GPParseError, match="42"):
        Cplc.parse(h("9F7F03010203"))


def test_card_recognition_data_carries_gp_version_scp_and_contactless_flag():
    data = CardRecognitionData("2.3.1", 3, 0x70, contactless=True)
    raw = data.to_bytes()
    # GP 2.3.1 and SCP03 i=70 as the GP OIDs 1.2.840.114283.2.2.3.1 and .4.3.112.
    assert h("2A864886FC6B02020301") in raw
    assert h("2A864886FC6B040370") in raw
    assert CardRecognitionData.parse(raw) == data


def test_card_recognition_data_without_configuration_details_has_no_flag():
    raw = CardRecognitionData("2.2.1", 2, 0x55).to_bytes()
    assert CardRecognitionData.parse(raw).contactless is None


def test_card_recognition_data_without_scp_is_a_parse_error():
    with pytest.raises(GPParseError, match="secure channel"):
        CardRecognitionData.parse(h("66027300"))


def test_key_information_lists_each_key_with_version_type_and_length():
    info = KeyInformation(
        (KeyInfo(1, 0x30, 0x88, 16), KeyInfo(2, 0x30, 0x88, 16), KeyInfo(3, 0x30, 0x88, 16))
    )
    raw = info.to_bytes()
    assert raw.startswith(h("E012C00401308810"))
    assert KeyInformation.parse(raw) == info
    assert info.versions == (0x30,)


def test_card_resources_report_free_memory():
    raw = CardResources(installed_applications=5, free_nv=123456, free_volatile=2048).to_bytes()
    assert raw == h("FF210C810105820301E240830208 00".replace(" ", ""))
    assert CardResources.parse(raw).free_nv == 123456


def test_card_resources_missing_a_field_is_a_parse_error():
    with pytest.raises(GPParseError, match="missing"):
        CardResources.parse(h("FF2103810105"))


def test_card_capabilities_round_trip():
    caps = CardCapabilities(
        scp_options=((3, (0x00, 0x10, 0x70)), (2, (0x15, 0x55))),
        ssd_privileges=Privilege.SECURITY_DOMAIN | Privilege.AUTHORIZED_MANAGEMENT,
        application_privileges=Privilege.CVM_MANAGEMENT,
        hash_algorithms=h("02"),
    )
    assert CardCapabilities.parse(caps.to_bytes()) == caps


def test_sequence_counter_of_scp03_and_scp02():
    assert parse_sequence_counter(h("C103000015")) == 0x15
    assert parse_sequence_counter(h("C102069F")) == 0x069F


def test_dgi_lengths_of_255_and_more_use_the_three_byte_form():
    assert encode_dgi(0x0101, b"\x01" * 3) == h("010103010101")
    assert encode_dgi(0x0202, bytes(300))[:5] == h("0202FF012C")
    assert parse_dgis(encode_dgi(0x0202, bytes(300))) == [(0x0202, bytes(300))]


def test_split_dgis_keeps_an_incomplete_dgi_for_the_next_block():
    stream = encode_dgi(0x0101, b"ab") + encode_dgi(0x0102, b"cdef")
    done, rest = split_dgis(stream[:-2])
    assert done == [(0x0101, b"ab")]
    assert rest == stream[5:-2]
    with pytest.raises(GPParseError, match="trailing"):
        parse_dgis(stream[:-2])


def test_store_data_packs_plain_dgis_and_isolates_each_encrypted_one():
    dgis = [
        Dgi(0x0101, b"\x11" * 100),
        Dgi(0x0102, b"\x22" * 100),
        Dgi(0x8201, b"\x33" * 16, sensitive=True),
        Dgi(0x0103, b"\x44" * 10),
    ]
    commands = store_data_dgis(dgis, encrypt=lambda v: v[::-1])
    assert [(c.p1, c.p2) for c in commands] == [(0x08, 0), (0x68, 1), (0x88, 2)]
    assert commands[1].data == encode_dgi(0x8201, b"\x33" * 16)
    assert parse_dgis(commands[0].data) == [(0x0101, b"\x11" * 100), (0x0102, b"\x22" * 100)]


def test_store_data_splits_a_dgi_larger_than_a_block():
    commands = store_data_dgis([Dgi(0x0101, bytes(500))], block_size=200)
    assert [len(c.data) for c in commands] == [200, 200, 105]
    assert parse_dgis(b"".join(c.data for c in commands)) == [(0x0101, bytes(500))]
    assert commands[-1].p1 == 0x88


def test_a_sensitive_dgi_without_encryption_is_refused():
    with pytest.raises(ValueError, match="sensitive"):
        store_data_dgis([Dgi(0x8000, b"secret", sensitive=True)])


def test_a_sensitive_dgi_never_shows_its_value():
    assert "secret" not in repr(Dgi(0x8000, b"secret", sensitive=True))
