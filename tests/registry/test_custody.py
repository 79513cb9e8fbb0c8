import pytest
from django.db import connection

from mno.custody import (
    KeySetState,
    SdKeySet,
    isd_keyset,
    sd_counter,
    sd_counter_set,
    sd_keyset,
    sd_keyset_store,
    sd_keysets_purge_replaced,
    ssd_keyset_generate,
)
from mno.errors import RegistryError
from mno.models import MNO
from provisioning.gp.keys import KeySet
from tests.registry.factories import make_se

pytestmark = pytest.mark.django_db

SSD_AID = "A0000001515350414D41504C45"


def every_stored_byte() -> bytes:
    """Every column of every table, as PostgreSQL returns it, in one blob to search."""
    blob = bytearray()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from the catalogue
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        blob += bytes(value)
                    elif value is not None:
                        blob += str(value).encode()
    return bytes(blob)


def test_custody_never_stores_a_key_in_clear_anywhere_in_the_database(northwind: MNO) -> None:
    se = make_se(northwind)
    isd = ssd_keyset_generate(version=0x30)
    ssd = ssd_keyset_generate(version=0x31)
    sd_keyset_store(se=se, sd_aid=se.isd_aid, keyset=isd)
    sd_keyset_store(se=se, sd_aid=SSD_AID, keyset=ssd)

    stored = every_stored_byte()
    for key in (isd.enc, isd.mac, isd.dek, ssd.enc, ssd.mac, ssd.dek):
        for form in (key, key.hex().encode(), key.hex().upper().encode()):
            assert form not in stored


def test_a_key_set_comes_back_whole_and_its_kcvs_match(northwind: MNO) -> None:
    se = make_se(northwind)
    keys = ssd_keyset_generate(version=0x30)
    record = sd_keyset_store(se=se, sd_aid=se.isd_aid, keyset=keys)

    back = isd_keyset(se)
    assert (back.enc, back.mac, back.dek, back.version, back.kind) == (
        keys.enc,
        keys.mac,
        keys.dek,
        0x30,
        "aes",
    )
    assert record.kcvs == {name: kcv.hex().upper() for name, kcv in keys.kcvs.items()}
    assert record.kcv_method == "gp-aes-01"
    assert record.secret.purpose == "isd_keys"
    assert record.secret.owner == f"mno.se:{se.iccid}:{se.isd_aid}"


def test_a_3des_key_set_for_scp02_round_trips(northwind: MNO) -> None:
    se = make_se(northwind, scp=2, scp_i=0x55)
    keys = KeySet.single(bytes(range(16)), version=0x20, kind="des")
    record = sd_keyset_store(se=se, sd_aid=se.isd_aid, keyset=keys)
    assert sd_keyset(se, se.isd_aid).kcvs == keys.kcvs
    assert record.kcv_method == "gp-des-00"


def test_key_handover_replaces_the_initial_keys_which_stay_readable_until_purged(
    northwind: MNO,
) -> None:
    se = make_se(northwind)
    initial = ssd_keyset_generate(version=0x30)
    first = sd_keyset_store(se=se, sd_aid=SSD_AID, keyset=initial)
    issuers = ssd_keyset_generate(version=0x31)

    with pytest.raises(RegistryError) as caught:
        sd_keyset_store(se=se, sd_aid=SSD_AID, keyset=issuers)
    assert caught.value.code == "keyset_active"

    second = sd_keyset_store(se=se, sd_aid=SSD_AID, keyset=issuers, replaces=0x30)
    assert sd_keyset(se, SSD_AID).version == 0x31
    assert sd_keyset(se, SSD_AID, version=0x30).enc == initial.enc
    assert second.replaces == first

    assert sd_keysets_purge_replaced(se=se, sd_aid=SSD_AID) == 1
    first.refresh_from_db()
    assert first.state == KeySetState.DESTROYED
    assert first.secret.is_destroyed
    with pytest.raises(RegistryError, match="no key set 30"):
        sd_keyset(se, SSD_AID, version=0x30)


def test_the_sequence_counter_only_goes_up(northwind: MNO) -> None:
    se = make_se(northwind)
    sd_keyset_store(se=se, sd_aid=se.isd_aid, keyset=ssd_keyset_generate())
    assert sd_counter(se, se.isd_aid) == 0
    assert sd_counter_set(se=se, sd_aid=se.isd_aid, counter=5) == 5
    # A late or repeated report of an older value changes nothing.
    assert sd_counter_set(se=se, sd_aid=se.isd_aid, counter=3) == 5
    assert SdKeySet.objects.get(se=se).sequence_counter == 5


def test_generated_key_sets_are_fresh_aes_128(db: None) -> None:
    one, two = ssd_keyset_generate(), ssd_keyset_generate()
    assert one.kind == "aes"
    assert one.key_length == 16
    assert len({one.enc, one.mac, one.dek, two.enc}) == 4
