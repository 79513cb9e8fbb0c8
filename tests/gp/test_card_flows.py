"""Whole provisioning flows, host CardManager <-> VirtualCard through real secure channels."""

import json

import pytest

from provisioning.gp.commands import Dgi
from provisioning.gp.errors import GPError, SecureChannelError
from provisioning.gp.keys import KeySet
from provisioning.gp.manager import CardManager
from provisioning.gp.registry import EntryKind, LifeCycle, Privilege, StatusScope
from provisioning.gp.simulator import INTERAC, MASTERCARD, VISA, VirtualCard, build_cap
from tests.gp.cards import (
    ISSUER_KEYS,
    MAPLE_SSD,
    PRAIRIE_SSD,
    SEM_SSD_KEYS,
    SecurityLevel,
    card_with_issuer_ssd,
    isd,
    new_card,
    ssd,
)

VISA_INSTANCE = VISA.default_instance


def _install_visa(manager: CardManager, instance: bytes = VISA_INSTANCE) -> None:
    manager.install_instance(VISA.load_file, VISA.module, instance)


def test_the_sem_creates_an_ssd_with_its_quotas_scp_and_privileges():
    card = new_card()
    isd(card).create_ssd(MAPLE_SSD, nv_quota=20_000, v_quota=2_048, scp=3, i=0x70)
    entry = isd(card).find(MAPLE_SSD)
    assert entry is not None
    assert entry.kind is EntryKind.SSD
    assert entry.state == "SELECTABLE"
    assert entry.privileges & Privilege.AUTHORIZED_MANAGEMENT
    assert entry.associated_sd == card.isd_aid
    record = card.application(MAPLE_SSD)
    assert (record.nv_quota, record.v_quota, record.scp, record.i_param) == (20_000, 2_048, 3, 0x70)


def test_a_new_ssd_has_no_keys_until_the_sem_personalises_them():
    card = new_card()
    isd(card).create_ssd(MAPLE_SSD, nv_quota=20_000)
    with pytest.raises(SecureChannelError) as refused:
        ssd(card, MAPLE_SSD, SEM_SSD_KEYS)
    assert refused.value.sw == 0x6A88
    isd(card).personalize_sd_keys(MAPLE_SSD, SEM_SSD_KEYS)
    assert card.key_versions(MAPLE_SSD) == [0x30]
    assert ssd(card, MAPLE_SSD, SEM_SSD_KEYS).key_information().versions == (0x30,)


def test_key_handover_replaces_the_sem_keys_and_the_old_keys_no_longer_work():
    card = card_with_issuer_ssd()
    assert card.key_versions(MAPLE_SSD) == [0x31]
    with pytest.raises(SecureChannelError):
        ssd(card, MAPLE_SSD, SEM_SSD_KEYS)
    issuer = ssd(card, MAPLE_SSD, ISSUER_KEYS)
    assert issuer.key_information().versions == (0x31,)


def test_key_rotation_with_aes_256_keys_keeps_the_ssd_usable():
    card = card_with_issuer_ssd()
    rotated = KeySet(b"\x01" * 32, b"\x02" * 32, b"\x03" * 32, version=0x32)
    ssd(card, MAPLE_SSD, ISSUER_KEYS).put_keyset(rotated, replace_version=0x31)
    assert ssd(card, MAPLE_SSD, rotated).key_information().versions == (0x32,)


def test_a_second_key_set_can_be_added_next_to_the_first():
    card = card_with_issuer_ssd()
    extra = KeySet.single(b"\x05" * 24, version=0x35)
    ssd(card, MAPLE_SSD, ISSUER_KEYS).put_keyset(extra)
    assert card.key_versions(MAPLE_SSD) == [0x31, 0x35]
    manager = ssd(card, MAPLE_SSD, extra)
    manager.delete_keys(0x31)
    assert card.key_versions(MAPLE_SSD) == [0x35]


class _LyingChannel:
    """A channel whose card answers PUT KEY with a check value for different keys."""

    def transmit(self, capdu: bytes) -> bytes:
        return bytes.fromhex("31" + "000000" * 3 + "9000")

    def encrypt_key(self, key: bytes) -> bytes:
        return key

    def encrypt_sensitive(self, data: bytes, *, pad: bool = False) -> bytes:
        return data


def test_put_key_raises_when_the_card_answers_other_check_values():
    with pytest.raises(GPError, match="key check values"):
        CardManager(_LyingChannel()).put_keyset(ISSUER_KEYS)


def test_put_key_over_a_plain_transport_is_refused_before_sending_anything():
    with pytest.raises(GPError, match="secure channel"):
        CardManager(new_card()).put_keyset(ISSUER_KEYS)


def test_the_issuer_installs_a_payment_instance_into_its_own_ssd():
    card = card_with_issuer_ssd()
    issuer = ssd(card, MAPLE_SSD, ISSUER_KEYS)
    _install_visa(issuer)
    entry = issuer.find(VISA_INSTANCE)
    assert entry is not None
    assert (entry.kind, entry.state, entry.associated_sd) == (
        EntryKind.APPLICATION,
        "SELECTABLE",
        MAPLE_SSD,
    )
    assert entry.load_file == VISA.load_file


def test_personalisation_delivers_encrypted_dgis_decrypted_on_the_card():
    card = card_with_issuer_ssd()
    issuer = ssd(card, MAPLE_SSD, ISSUER_KEYS)
    _install_visa(issuer)
    track2 = bytes.fromhex("4761739001010010D25122011234567890")
    dgis = [
        Dgi(0x0101, bytes(120)),
        Dgi(0x0102, bytes(range(200))),
        Dgi(0x8000, b"\x11" * 16 + b"\x22" * 5, sensitive=True),
        Dgi(0x8201, track2, sensitive=True),
        Dgi(0x0103, b"\x01\x02"),
    ]
    issuer.store_data(dgis, aid=VISA_INSTANCE)
    received = card.personalization(VISA_INSTANCE)
    assert received == {d.tag: d.value for d in dgis}
    assert issuer.find(VISA_INSTANCE).state == "PERSONALIZED"


def test_personalisation_with_ber_tlv_objects_spanning_blocks():
    card = card_with_issuer_ssd()
    issuer = ssd(card, MAPLE_SSD, ISSUER_KEYS)
    _install_visa(issuer)
    data = bytes.fromhex("9F4603") + b"\x01\x02\x03" + bytes.fromhex("DF0182012C") + bytes(300)
    issuer.store_tlvs(data, aid=VISA_INSTANCE)
    assert card.personalization(VISA_INSTANCE) == {0x9F46: b"\x01\x02\x03", 0xDF01: bytes(300)}


def test_lock_and_unlock_an_instance_restores_its_previous_state():
    card = card_with_issuer_ssd()
    issuer = ssd(card, MAPLE_SSD, ISSUER_KEYS)
    _install_visa(issuer)
    issuer.lock(VISA_INSTANCE)
    assert issuer.find(VISA_INSTANCE).state == "LOCKED (SELECTABLE)"
    with pytest.raises(GPError) as refused:
        CardManager(card).select(VISA_INSTANCE)
    assert refused.value.sw == 0x6A82
    issuer = ssd(card, MAPLE_SSD, ISSUER_KEYS)
    issuer.unlock(VISA_INSTANCE)
    assert issuer.find(VISA_INSTANCE).lifecycle == LifeCycle.SELECTABLE
    assert CardManager(card).select(VISA_INSTANCE).startswith(b"\x6f")


def test_locking_an_ssd_with_its_applications_suspends_the_issuer():
    card = card_with_issuer_ssd()
    _install_visa(ssd(card, MAPLE_SSD, ISSUER_KEYS))
    isd(card).lock(MAPLE_SSD, with_applications=True)
    assert card.application(MAPLE_SSD).locked
    assert card.application(VISA_INSTANCE).locked
    with pytest.raises(GPError):
        ssd(card, MAPLE_SSD, ISSUER_KEYS)
    isd(card).unlock(MAPLE_SSD, with_applications=True)
    assert not card.application(VISA_INSTANCE).locked
    assert ssd(card, MAPLE_SSD, ISSUER_KEYS).find(VISA_INSTANCE).state == "SELECTABLE"


def test_locking_twice_is_refused_with_6985():
    card = card_with_issuer_ssd()
    issuer = ssd(card, MAPLE_SSD, ISSUER_KEYS)
    _install_visa(issuer)
    issuer.lock(VISA_INSTANCE)
    with pytest.raises(GPError) as refused:
        issuer.lock(VISA_INSTANCE)
    assert refused.value.sw == 0x6985


def test_deleting_an_ssd_needs_object_and_related_when_it_holds_applications():
    card = card_with_issuer_ssd()
    _install_visa(ssd(card, MAPLE_SSD, ISSUER_KEYS))
    free_before = card.free_nv
    sem = isd(card)
    with pytest.raises(GPError) as refused:
        sem.delete(MAPLE_SSD)
    assert refused.value.sw == 0x6985
    sem.delete(MAPLE_SSD, related=True)
    assert sem.find(MAPLE_SSD) is None
    assert card.application(VISA_INSTANCE) is None
    assert card.free_nv > free_before


def test_the_issuer_deletes_its_instance_and_a_missing_one_answers_6a88():
    card = card_with_issuer_ssd()
    issuer = ssd(card, MAPLE_SSD, ISSUER_KEYS)
    _install_visa(issuer)
    issuer.delete(VISA_INSTANCE)
    with pytest.raises(GPError) as refused:
        issuer.delete(VISA_INSTANCE)
    assert refused.value.sw == 0x6A88
    # An error answer carries no R-MAC, and the session goes on.
    assert issuer.find(VISA_INSTANCE) is None


def test_an_install_beyond_the_ssd_quota_answers_6a84_and_changes_nothing():
    card = card_with_issuer_ssd(nv_quota=4_000)
    issuer = ssd(card, MAPLE_SSD, ISSUER_KEYS)
    _install_visa(issuer)  # 3072 bytes of the 4000
    free_before = card.free_nv
    with pytest.raises(GPError) as refused:
        issuer.install_instance(
            MASTERCARD.load_file, MASTERCARD.module, MASTERCARD.default_instance
        )
    assert refused.value.sw == 0x6A84
    assert card.free_nv == free_before
    assert issuer.find(MASTERCARD.default_instance) is None


def test_personalisation_data_counts_against_the_quota():
    card = card_with_issuer_ssd(nv_quota=3_300)
    issuer = ssd(card, MAPLE_SSD, ISSUER_KEYS)
    _install_visa(issuer)
    with pytest.raises(GPError) as refused:
        issuer.store_data([Dgi(0x0101, bytes(200)), Dgi(0x0102, bytes(200))], aid=VISA_INSTANCE)
    assert refused.value.sw == 0x6A84


def test_free_memory_reported_in_ff21_drops_by_the_instance_size():
    card = card_with_issuer_ssd()
    before = isd(card).resources()
    _install_visa(ssd(card, MAPLE_SSD, ISSUER_KEYS))
    after = isd(card).resources()
    assert before.free_nv - after.free_nv == VISA.instance_nv
    assert before.free_volatile - after.free_volatile == VISA.instance_volatile
    assert after.installed_applications == before.installed_applications + 1


def test_an_ssd_sees_and_manages_only_its_own_content():
    card = card_with_issuer_ssd()
    sem = isd(card)
    sem.create_ssd(PRAIRIE_SSD, nv_quota=10_000)
    sem.personalize_sd_keys(PRAIRIE_SSD, ISSUER_KEYS)
    prairie = ssd(card, PRAIRIE_SSD, ISSUER_KEYS)
    prairie.install_instance(INTERAC.load_file, INTERAC.module, INTERAC.default_instance)
    maple = ssd(card, MAPLE_SSD, ISSUER_KEYS)
    assert maple.get_status(StatusScope.APPLICATIONS) == []
    assert maple.get_status(StatusScope.ISD) == []
    with pytest.raises(GPError) as refused:
        maple.delete(INTERAC.default_instance)
    assert refused.value.sw == 0x6982


def test_an_ssd_without_authorized_management_cannot_install():
    card = new_card()
    sem = isd(card)
    sem.create_ssd(MAPLE_SSD, privileges=Privilege.SECURITY_DOMAIN)
    sem.personalize_sd_keys(MAPLE_SSD, ISSUER_KEYS)
    with pytest.raises(GPError) as refused:
        _install_visa(ssd(card, MAPLE_SSD, ISSUER_KEYS))
    assert refused.value.sw == 0x6982


def test_the_sem_extradites_an_instance_to_another_ssd_within_its_quota():
    card = card_with_issuer_ssd()
    sem = isd(card)
    _install_visa(sem, VISA_INSTANCE)
    sem.create_ssd(PRAIRIE_SSD, nv_quota=1_000)
    with pytest.raises(GPError) as refused:
        sem.extradite(VISA_INSTANCE, PRAIRIE_SSD)
    assert refused.value.sw == 0x6A84
    sem.extradite(VISA_INSTANCE, MAPLE_SSD)
    assert ssd(card, MAPLE_SSD, ISSUER_KEYS).find(VISA_INSTANCE).associated_sd == MAPLE_SSD


def test_a_load_file_can_be_loaded_with_its_hash_then_instantiated():
    card = card_with_issuer_ssd(nv_quota=30_000)
    issuer = ssd(card, MAPLE_SSD, ISSUER_KEYS)
    package, applet = bytes.fromhex("D0D1D2D3D4D501"), bytes.fromhex("D0D1D2D3D4D50101")
    cap = build_cap(package, [applet], code_size=5_000)
    issuer.load(package, cap, with_hash=True)
    files = issuer.get_status(StatusScope.LOAD_FILES_AND_MODULES)
    assert [(f.aid, f.modules) for f in files] == [(package, (applet,))]
    issuer.install_instance(package, applet, applet)
    assert issuer.find(applet).associated_sd == MAPLE_SSD
    issuer.delete(package, related=True)
    assert issuer.find(applet) is None


def test_get_status_pages_through_6310_answers():
    card = new_card(status_page_size=60)
    sem = isd(card)
    for n in range(6):
        _install_visa(sem, VISA_INSTANCE + bytes([n]))
    apps = sem.get_status(StatusScope.APPLICATIONS)
    assert [a.aid for a in apps] == [VISA_INSTANCE + bytes([n]) for n in range(6)]


def test_list_content_shows_isd_ssds_applications_and_preloaded_files():
    card = card_with_issuer_ssd()
    kinds = {(e.kind, e.aid) for e in isd(card).list_content()}
    assert (EntryKind.ISD, card.isd_aid) in kinds
    assert (EntryKind.SSD, MAPLE_SSD) in kinds
    assert {(EntryKind.LOAD_FILE, p.load_file) for p in (VISA, MASTERCARD, INTERAC)} <= kinds


def test_the_state_survives_json_and_the_flow_continues_on_the_restored_card():
    card = card_with_issuer_ssd()
    counter = ssd(card, MAPLE_SSD, ISSUER_KEYS).sequence_counter()
    state = json.loads(json.dumps(card.to_state()))
    restored = VirtualCard.from_state(state)
    issuer = ssd(restored, MAPLE_SSD, ISSUER_KEYS)
    # The pseudo-random challenge needs the counter: restoring it is what lets sessions resume.
    assert issuer.sequence_counter() == counter + 1
    _install_visa(issuer)
    issuer.store_data([Dgi(0x8000, b"\x42" * 16, sensitive=True)], aid=VISA_INSTANCE)
    assert restored.personalization(VISA_INSTANCE) == {0x8000: b"\x42" * 16}
    assert restored.to_state() != state


def test_the_whole_flow_works_with_scp02_and_3des_keys():
    des = KeySet.single(bytes(range(0x40, 0x50)), version=0x20, kind="des")
    card = VirtualCard(des, scp=2)
    from provisioning.gp.channel import open_secure_channel

    def session(aid, keys):
        channel = open_secure_channel(
            card, keys, scp=2, aid=aid, security_level=SecurityLevel(0x03)
        )
        return CardManager(channel)

    initial = KeySet.single(b"\x21" * 16, version=0x20, kind="des")
    issuer_keys = KeySet(b"\x31" * 16, b"\x32" * 16, b"\x33" * 16, version=0x21, kind="des")
    sem = session(card.isd_aid, des)
    sem.create_ssd(MAPLE_SSD, nv_quota=20_000, scp=2, i=0x55)
    sem.personalize_sd_keys(MAPLE_SSD, initial)
    session(MAPLE_SSD, initial).put_keyset(issuer_keys, replace_version=0x20)
    issuer = session(MAPLE_SSD, issuer_keys)
    _install_visa(issuer)
    issuer.store_data([Dgi(0x8000, b"\x07" * 10, sensitive=True)], aid=VISA_INSTANCE)
    assert card.personalization(VISA_INSTANCE) == {0x8000: b"\x07" * 10}
    with pytest.raises(SecureChannelError):
        session(MAPLE_SSD, initial)
