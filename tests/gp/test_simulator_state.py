"""The virtual card's JSON state: round trip, what it holds, what it refuses."""

import json

import pytest

from provisioning.gp.commands import Dgi
from provisioning.gp.simulator import PAYMENT_PRODUCTS, VISA, VirtualCard
from tests.gp.cards import ISD_KEYS, ISSUER_KEYS, MAPLE_SSD, card_with_issuer_ssd, new_card, ssd


def _personalised_card() -> VirtualCard:
    card = card_with_issuer_ssd()
    issuer = ssd(card, MAPLE_SSD, ISSUER_KEYS)
    issuer.install_instance(VISA.load_file, VISA.module, VISA.default_instance)
    issuer.store_data([Dgi(0x0101, b"\x01" * 40)], aid=VISA.default_instance)
    issuer.lock(VISA.default_instance)
    return card


def test_the_state_is_plain_json_and_restores_to_the_same_state():
    card = _personalised_card()
    state = json.loads(json.dumps(card.to_state()))
    assert VirtualCard.from_state(state).to_state() == state


def test_a_restored_card_keeps_registry_quotas_personalisation_and_free_memory():
    card = _personalised_card()
    restored = VirtualCard.from_state(card.to_state())
    app = restored.application(VISA.default_instance)
    assert app.locked
    assert restored.personalization(VISA.default_instance) == {0x0101: b"\x01" * 40}
    assert restored.application(MAPLE_SSD).nv_quota == 20_000
    assert restored.free_nv == card.free_nv
    assert restored.key_versions(MAPLE_SSD) == [ISSUER_KEYS.version]


def test_the_state_carries_keys_in_clear_hex_so_it_must_be_encrypted_at_rest():
    text = json.dumps(new_card().to_state())
    assert ISD_KEYS.enc.hex() in text


def test_a_fresh_card_lists_the_preloaded_payment_files():
    state = new_card().to_state()
    loaded = {f["aid"] for f in state["card"]["load_files"]}
    assert {p.load_file.hex() for p in PAYMENT_PRODUCTS} <= loaded


def test_an_unknown_state_format_is_refused():
    state = new_card().to_state()
    state["card"]["format"] = 99
    with pytest.raises(ValueError, match="format"):
        VirtualCard.from_state(state)


def test_a_card_without_preloaded_files_has_only_the_security_domain_package():
    state = new_card(preload=False).to_state()
    assert len(state["card"]["load_files"]) == 1


def test_the_card_refuses_an_scp_and_i_it_does_not_implement():
    with pytest.raises(ValueError, match="does not implement"):
        VirtualCard(ISD_KEYS, scp=3, i_param=0x15)
    with pytest.raises(ValueError, match="3DES"):
        VirtualCard(ISD_KEYS, scp=2)
