"""Faults on demand: a removed card, power lost mid-command (tearing), memory exhausted."""

import pytest

from provisioning.gp.channel import open_secure_channel
from provisioning.gp.commands import select
from provisioning.gp.errors import GPError, SecureChannelError
from provisioning.gp.keys import KeySet
from provisioning.gp.simulator import VISA, CardRemoved, NoAnswer
from tests.gp.cards import ISSUER_KEYS, MAPLE_SSD, card_with_issuer_ssd, isd, new_card, ssd


def test_a_removed_card_raises_card_removed_until_it_is_inserted_again():
    card = new_card()
    manager = isd(card)
    card.remove()
    with pytest.raises(CardRemoved):
        manager.resources()
    card.insert()
    # Re-insertion is a power-on: the old session is gone.
    with pytest.raises(SecureChannelError):
        manager.resources()
    assert isd(card).resources().free_nv == card.free_nv


def test_card_removed_is_a_kind_of_no_answer():
    assert issubclass(CardRemoved, NoAnswer)
    assert issubclass(NoAnswer, GPError)


@pytest.mark.parametrize("applied", [True, False])
def test_tearing_an_install_leaves_the_card_before_or_after_never_between(applied):
    card = card_with_issuer_ssd()
    issuer = ssd(card, MAPLE_SSD, ISSUER_KEYS)
    free_before = card.free_nv
    card.tear_next_command(applied=applied)
    with pytest.raises(NoAnswer):
        issuer.install_instance(VISA.load_file, VISA.module, VISA.default_instance)
    installed = card.application(VISA.default_instance) is not None
    assert installed is applied
    assert card.free_nv == (free_before - VISA.instance_nv if applied else free_before)
    # The card restarted: a new session sees the same truth.
    assert (ssd(card, MAPLE_SSD, ISSUER_KEYS).find(VISA.default_instance) is not None) is applied


@pytest.mark.parametrize("applied", [True, False])
def test_tearing_a_key_handover_leaves_exactly_one_usable_key_set(applied):
    card = card_with_issuer_ssd()
    rotated = KeySet.single(b"\x77" * 16, version=0x32)
    issuer = ssd(card, MAPLE_SSD, ISSUER_KEYS)
    card.tear_next_command(applied=applied)
    with pytest.raises(NoAnswer):
        issuer.put_keyset(rotated, replace_version=0x31)
    assert card.key_versions(MAPLE_SSD) == ([0x32] if applied else [0x31])
    working = rotated if applied else ISSUER_KEYS
    assert ssd(card, MAPLE_SSD, working).key_information().versions == (working.version,)


@pytest.mark.parametrize("applied", [True, False])
def test_tearing_initialize_update_moves_the_sequence_counter_only_if_applied(applied):
    card = card_with_issuer_ssd()
    counter = ssd(card, MAPLE_SSD, ISSUER_KEYS).sequence_counter()
    card.transmit(select(MAPLE_SSD).to_bytes())
    card.tear_next_command(applied=applied)
    with pytest.raises(NoAnswer):
        open_secure_channel(card, ISSUER_KEYS, key_version=ISSUER_KEYS.version)
    expected = counter + (2 if applied else 1)
    assert ssd(card, MAPLE_SSD, ISSUER_KEYS).sequence_counter() == expected


def test_exhausted_memory_answers_6a84_and_reports_nothing_free():
    card = card_with_issuer_ssd()
    card.memory_exhausted = True
    issuer = ssd(card, MAPLE_SSD, ISSUER_KEYS)
    with pytest.raises(GPError) as refused:
        issuer.install_instance(VISA.load_file, VISA.module, VISA.default_instance)
    assert refused.value.sw == 0x6A84
    assert isd(card).resources().free_nv == 0
    card.memory_exhausted = False
    ssd(card, MAPLE_SSD, ISSUER_KEYS).install_instance(
        VISA.load_file, VISA.module, VISA.default_instance
    )


def test_a_full_card_refuses_an_install_even_within_the_quota():
    card = new_card(total_nv=170_000)  # the pre-loaded files take ~110 KB
    sem = isd(card)
    sem.create_ssd(MAPLE_SSD, nv_quota=100_000)
    sem.personalize_sd_keys(MAPLE_SSD, ISSUER_KEYS)
    issuer = ssd(card, MAPLE_SSD, ISSUER_KEYS)
    installed = 0
    while card.free_nv >= VISA.instance_nv:
        issuer.install_instance(
            VISA.load_file, VISA.module, VISA.default_instance + bytes([installed])
        )
        installed += 1
    assert installed * VISA.instance_nv < 100_000
    with pytest.raises(GPError) as refused:
        issuer.install_instance(VISA.load_file, VISA.module, VISA.default_instance)
    assert refused.value.sw == 0x6A84
