"""Command builders against APDU bytes published by kaoh/globalplatform and pySim (research §2)."""

import pytest

from provisioning.gp.carddata import get_data
from provisioning.gp.commands import (
    SetStatusScope,
    delete,
    delete_key,
    lock,
    select,
    set_status,
    unlock,
)
from provisioning.gp.install import (
    install_for_extradition,
    install_for_install,
    install_for_load,
    install_for_make_selectable,
    install_for_personalization,
    install_parameters,
    load_commands,
    load_parameters,
    parse_install_parameters,
    sd_parameters,
)
from provisioning.gp.registry import Privilege, StatusScope, get_status

h = bytes.fromhex


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (StatusScope.ISD, "80F28002024F0000"),
        (StatusScope.APPLICATIONS, "80F24002024F0000"),
        (StatusScope.LOAD_FILES, "80F22002024F0000"),
        (StatusScope.LOAD_FILES_AND_MODULES, "80F21002024F0000"),
    ],
)
def test_get_status_matches_the_kaoh_commands_for_every_scope(scope, expected):
    assert get_status(scope).to_bytes() == h(expected)


def test_get_status_next_occurrence_sets_p2_bit_one():
    assert get_status(StatusScope.APPLICATIONS, next_occurrence=True).p2 == 0x03


def test_get_status_can_search_one_aid():
    assert get_status(StatusScope.APPLICATIONS, aid=h("A0000000031010")).to_bytes() == h(
        "80F24002094F07A000000003101000"
    )


def test_get_data_card_data_matches_pysim():
    assert get_data(0x66).to_bytes() == h("80CA006600")


def test_get_data_cplc_uses_both_tag_bytes():
    assert get_data(0x9F7F).to_bytes() == h("80CA9F7F00")


def test_get_data_rejects_a_tag_longer_than_two_bytes():
    with pytest.raises(ValueError, match="two bytes"):
        get_data(0xBF3E01)


def test_select_by_name_carries_the_aid_and_le():
    assert select(h("A000000151000000")).to_bytes() == h("00A4040008A00000015100000000")


def test_delete_object_and_related_matches_kaoh_scp02_script():
    assert delete(h("D0D1D2D3D4D50101"), related=True).to_bytes() == h(
        "80E400800A4F08D0D1D2D3D4D5010100"
    )
    assert delete(h("D0D1D2D3D4D501"), related=True).to_bytes() == h(
        "80E40080094F07D0D1D2D3D4D50100"
    )


def test_delete_object_alone_leaves_p2_zero():
    assert delete(h("A0000000031010")).p2 == 0x00


def test_delete_key_by_version_and_identifier():
    assert delete_key(version=0x30).data == h("D20130")
    assert delete_key(version=0x30, key_id=1).data == h("D00101D20130")


def test_delete_key_needs_something_to_delete():
    with pytest.raises(ValueError, match="key version"):
        delete_key()


def test_lock_and_unlock_use_the_globalplatformpro_codings():
    aid = h("A0000000031010")
    assert lock(aid).to_bytes() == h("80F0408007A0000000031010")
    assert unlock(aid).to_bytes() == h("80F0400007A0000000031010")
    assert lock(aid, with_applications=True).p1 == 0x60


def test_set_status_of_the_card_has_no_aid():
    assert set_status(SetStatusScope.CARD, 0x7F).to_bytes() == h("80F0807F")


def test_install_for_load_matches_kaoh_scp02_script():
    params = load_parameters(nv_code=0x0160, nv_data=2000)
    command = install_for_load(h("D0D1D2D3D4D501"), sd_aid=h("A000000003000000"), parameters=params)
    assert command.to_bytes() == h(
        "80E602001E07D0D1D2D3D4D50108A000000003000000000AEF08C6020160C80207D00000"
    )


def test_install_for_install_and_make_selectable_matches_kaoh_scp02_script():
    command = install_for_install(
        h("D0D1D2D3D4D501"),
        h("D0D1D2D3D4D50101"),
        h("D0D1D2D3D4D50101"),
        privileges=Privilege.CVM_MANAGEMENT,
        parameters=install_parameters(b"\x00", nv_quota=2000),
    )
    assert command.to_bytes() == h(
        "80E60C002707D0D1D2D3D4D50108D0D1D2D3D4D5010108D0D1D2D3D4D50101010209C90100EF04C80207D00000"
    )


def test_install_without_make_selectable_uses_p1_04():
    command = install_for_install(b"\x01" * 5, b"\x02" * 6, b"\x03" * 7, make_selectable=False)
    assert command.p1 == 0x04


def test_install_for_make_selectable_names_only_the_instance():
    command = install_for_make_selectable(h("A0000000031010"), privileges=Privilege.NONE)
    assert command.to_bytes() == h("80E608000E000007A00000000310100100000000")


def test_install_for_personalization_has_the_gp_layout():
    assert install_for_personalization(h("A0000000041010")).to_bytes() == h(
        "80E620000D000007A000000004101000000000"
    )


def test_install_for_extradition_names_the_new_domain_then_the_application():
    command = install_for_extradition(h("A0000000041010"), h("A000000151535301"))
    assert command.to_bytes() == h("80E610001408A0000001515353010007A0000000041010000000")


def test_install_parameters_match_pysim():
    ts102226 = h("010001001505000000000000000000000000")
    assert install_parameters(nv_quota=256, v_quota=256, ts102226=ts102226) == h(
        "C900EF1CC8020100C7020100CA12010001001505000000000000000000000000"
    )
    assert install_parameters() == h("C900")


def test_quotas_above_32767_take_four_bytes():
    assert install_parameters(nv_quota=65536) == h("C900EF06C80400010000")


def test_sd_parameters_match_kaoh():
    params = sd_parameters(
        scp=0x02,
        i_param=0x15,
        accept_extradition_to=0x80,
        accept_delete=0x80,
        explicit_personalized=True,
        casd_capability=h("0102"),
        accept_extradition_away=h("8000"),
    )
    assert params == h("8102021582018083018084008602010287028000")


def test_install_parameters_parse_back_quotas_and_scp():
    raw = install_parameters(sd_parameters(scp=3, i_param=0x70), nv_quota=40000, v_quota=512)
    parsed = parse_install_parameters(raw)
    assert (parsed.nv_quota, parsed.v_quota, parsed.scp_options) == (40000, 512, ((3, 0x70),))


def test_install_parameters_of_an_applet_need_not_be_tlv():
    assert parse_install_parameters(h("C90100")).scp_options == ()


def test_privileges_take_one_byte_when_only_the_first_byte_is_used():
    assert Privilege.SECURITY_DOMAIN.to_bytes() == h("80")
    sd_am = Privilege.SECURITY_DOMAIN | Privilege.AUTHORIZED_MANAGEMENT
    assert sd_am.to_bytes() == h("804000")
    assert Privilege.parse(h("804000")) == sd_am
    assert Privilege.parse(h("C0")) == Privilege.SECURITY_DOMAIN | Privilege.DAP_VERIFICATION


def test_load_splits_the_c4_stream_into_numbered_blocks_with_a_last_flag():
    load_file = bytes(range(256)) * 2  # 512 bytes, C4 82 0200 header
    commands = load_commands(load_file, block_size=239)
    assert [c.p2 for c in commands] == [0, 1, 2]
    assert [c.p1 for c in commands] == [0x00, 0x00, 0x80]
    assert [len(c.data) for c in commands] == [239, 239, 38]
    assert b"".join(c.data for c in commands) == h("C4820200") + load_file


def test_load_of_a_small_file_is_one_last_block():
    (only,) = load_commands(b"\xde\xca\xff\xed")
    assert only.to_bytes() == h("80E8800006C404DECAFFED")


def test_load_refuses_more_than_256_blocks():
    with pytest.raises(ValueError, match="more than 256"):
        load_commands(bytes(300 * 10), block_size=10)
