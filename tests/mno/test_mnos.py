from datetime import date
from decimal import Decimal

import pytest

from enstream.keystore import unseal
from enstream.keystore.models import Secret
from issuers.errors import CommercialError
from mno.models import MNO, AdapterKind, ConnectionSettings
from mno.services import (
    CREDENTIAL_PURPOSE,
    mno_connection_configure,
    mno_create,
    mno_update,
    wholesale_agreement_create,
)
from tests.cast import Cast
from tests.issuers.helpers import ACCOUNT_MANAGERS, CAST, member
from tests.mno.factories import MnoFactory

D = Decimal
OPERATIONS = {"enstream_admin", "operations"}


def _wholesale(mno: MNO, cast: Cast, **overrides: object) -> object:
    arguments = {
        "mno": mno,
        "actor": cast.account_manager,
        "reference": "WA-NEW-1",
        "starts_on": date(2025, 1, 1),
        "ends_on": date(2027, 12, 31),
        "capacity_ssds": 100_000,
        "capacity_bytes": 4_800_000_000,
        "price_per_active_ssd_month": D("0.0800"),
        "price_per_ota_operation": D("0.0150"),
        "price_per_credential_provisioned": D("0.35"),
    } | overrides
    return wholesale_agreement_create(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize("who", CAST)
def test_only_account_managers_onboard_mnos(cast: Cast, who: str) -> None:
    def create() -> MNO:
        return mno_create(
            actor=member(cast, who), name="Polar Mobile", short_code="PLR", plmn_codes=["302-990"]
        )

    if who in ACCOUNT_MANAGERS:
        mno = create()
        assert mno.organisation.kind == "mno"
        assert mno.plmn_codes == ["302-990"]
    else:
        with pytest.raises(CommercialError) as refused:
            create()
        assert refused.value.code == "permission_denied"


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"plmn_codes": ["302720"]}, "invalid_plmn"),
        ({"plmn_codes": []}, "invalid_plmn"),
        ({"short_code": "nwm"}, "invalid"),
        ({"organisation_kind": "issuer"}, "wrong_organisation_kind"),
    ],
)
def test_bad_mno_details_are_refused_with_a_code(cast: Cast, arguments: dict, code: str) -> None:
    organisation = cast.maple if arguments.pop("organisation_kind", None) else None
    with pytest.raises(CommercialError) as refused:
        mno_create(
            actor=cast.account_manager,
            **(
                {"name": "Polar Mobile", "short_code": "PLR", "plmn_codes": ["302-990"]} | arguments
            ),
            organisation=organisation,
        )

    assert refused.value.code == code


def test_an_mcc_mnc_pair_belongs_to_one_network(cast: Cast) -> None:
    mno_create(actor=cast.account_manager, name="Polar", short_code="PLR", plmn_codes=["302-990"])

    with pytest.raises(CommercialError) as refused:
        mno_create(actor=cast.account_manager, name="Ice", short_code="ICE", plmn_codes=["302-990"])

    assert refused.value.code == "plmn_taken"
    assert refused.value.message == "302-990 already belongs to Polar."


def test_updating_an_mno_replaces_its_codes_and_keeps_history(cast: Cast) -> None:
    mno = mno_create(
        actor=cast.account_manager, name="Polar", short_code="PLR", plmn_codes=["302-990"]
    )

    mno_update(
        mno=mno, actor=cast.enstream_admin, status="suspended", plmn_codes=["302-991", "302-992"]
    )

    mno.refresh_from_db()
    assert mno.plmn_codes == ["302-991", "302-992"]
    assert mno.history.first().history_user == cast.enstream_admin


@pytest.mark.parametrize("who", CAST)
def test_only_operations_configure_the_network_connection(cast: Cast, who: str) -> None:
    mno = MnoFactory()

    if who in OPERATIONS:
        settings = mno_connection_configure(
            mno=mno,
            actor=member(cast, who),
            adapter_kind=AdapterKind.HTTP_GATEWAY,
            parameters={"endpoint": "https://ota.example/v1", "timeout_s": 30},
        )
        assert settings.adapter_kind == AdapterKind.HTTP_GATEWAY
    else:
        with pytest.raises(CommercialError) as refused:
            mno_connection_configure(
                mno=mno, actor=member(cast, who), adapter_kind="simulated", parameters={}
            )
        assert refused.value.code == "permission_denied"


def test_the_gateway_credential_is_sealed_never_stored_in_clear(cast: Cast) -> None:
    mno = MnoFactory()
    password = b"ota-gateway-s3cret"

    settings = mno_connection_configure(
        mno=mno,
        actor=cast.operations,
        adapter_kind=AdapterKind.HTTP_GATEWAY,
        parameters={"endpoint": "https://ota.example/v1"},
        credential=password,
    )
    mno_connection_configure(
        mno=mno,
        actor=cast.operations,
        adapter_kind=AdapterKind.HTTP_GATEWAY,
        parameters={"endpoint": "https://ota.example/v2"},
        credential=b"rotated-secret",
    )

    settings = ConnectionSettings.objects.get(mno=mno)
    secret = Secret.objects.get(pk=settings.credential_id)
    assert password not in bytes(secret.ciphertext)
    assert password.decode() not in str(settings.parameters)
    assert unseal(secret, purpose=CREDENTIAL_PURPOSE, owner=settings.credential_owner) == (
        b"rotated-secret"
    )
    assert Secret.objects.count() == 1  # the rotation resealed the same secret


@pytest.mark.parametrize("name", ["password", "api_token", "SharedKey", "auth"])
def test_a_secret_in_the_plain_parameters_is_refused(cast: Cast, name: str) -> None:
    with pytest.raises(CommercialError) as refused:
        mno_connection_configure(
            mno=MnoFactory(),
            actor=cast.operations,
            adapter_kind=AdapterKind.SMPP,
            parameters={name: "hunter2"},
        )

    assert refused.value.code == "secret_in_parameters"


def test_wholesale_terms_of_one_network_cannot_overlap(cast: Cast) -> None:
    mno = MnoFactory(name="Polar")
    _wholesale(mno, cast)

    with pytest.raises(CommercialError) as refused:
        _wholesale(mno, cast, reference="WA-NEW-2", starts_on=date(2027, 12, 31))
    follow_on = _wholesale(
        mno, cast, reference="WA-NEW-3", starts_on=date(2028, 1, 1), ends_on=date(2029, 12, 31)
    )

    assert refused.value.code == "wholesale_overlap"
    assert "WA-NEW-1" in refused.value.message
    assert follow_on.currency == "CAD"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"ends_on": date(2024, 12, 31)}, "term_out_of_order"),
        ({"capacity_ssds": 0}, "invalid_capacity"),
        ({"capacity_bytes": -1}, "invalid_capacity"),
        ({"price_per_ota_operation": 0.015}, "invalid_price"),
        ({"price_per_ota_operation": D("-0.01")}, "invalid_price"),
        ({"price_per_active_ssd_month": D("0.00001")}, "too_many_decimals"),
        ({"currency": "cad"}, "invalid"),
    ],
)
def test_bad_wholesale_terms_are_refused_with_a_code(
    cast: Cast, overrides: dict, code: str
) -> None:
    with pytest.raises(CommercialError) as refused:
        _wholesale(MnoFactory(), cast, **overrides)

    assert refused.value.code == code


def test_wholesale_terms_are_versioned_with_who_and_when(cast: Cast) -> None:
    agreement = _wholesale(MnoFactory(), cast)

    created = agreement.history.get()  # type: ignore[attr-defined]
    assert created.history_user == cast.account_manager
    assert created.price_per_active_ssd_month == D("0.0800")
