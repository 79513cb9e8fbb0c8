import pytest
from django.test import Client

from mno.fleet import fleet_create
from mno.models import MNO, ConnectionSettings
from mno.registry import SecureElement
from tests.accounts.helpers import login_verified
from tests.cast import Cast
from tests.registry.factories import make_se

pytestmark = pytest.mark.django_db
LIST = "/networks/secure-elements/"


def signed_in(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def test_network_staff_see_only_their_own_networks_sims(
    cast: Cast, northwind: MNO, lakeshore: MNO
) -> None:
    ours, theirs = make_se(northwind), make_se(lakeshore)
    page = signed_in(cast.northwind_viewer).get(LIST).content.decode()
    assert ours.iccid in page
    assert theirs.iccid not in page


def test_another_networks_sim_is_not_found_for_network_staff(
    cast: Cast, northwind: MNO, lakeshore: MNO
) -> None:
    theirs = make_se(lakeshore)
    client = signed_in(cast.northwind_viewer)
    assert client.get(f"{LIST}{theirs.pk}/").status_code == 404
    assert client.get(f"{LIST}{make_se(northwind).pk}/").status_code == 200


def test_issuers_have_no_registry_pages(cast: Cast, northwind: MNO) -> None:
    client = signed_in(cast.maple_admin)
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}{make_se(northwind).pk}/").status_code == 403
    assert client.get(f"{LIST}import/").status_code == 403


def test_the_registry_searches_by_iccid_msisdn_and_capability(
    cast: Cast, northwind: MNO, lakeshore: MNO
) -> None:
    plain = make_se(northwind)
    no_nfc = make_se(lakeshore, nfc_capable=False)
    client = signed_in(cast.operations)

    by_number = client.get(LIST, {"q": plain.msisdn[2:]}).content.decode()
    assert plain.iccid in by_number
    assert no_nfc.iccid not in by_number
    by_iccid = client.get(LIST, {"q": no_nfc.iccid[-8:]}).content.decode()
    assert no_nfc.iccid in by_iccid
    assert plain.iccid not in by_iccid
    by_capability = client.get(LIST, {"nfc_capable": "false"}).content.decode()
    assert no_nfc.iccid in by_capability
    assert plain.iccid not in by_capability
    by_network = client.get(LIST, {"mno": lakeshore.pk}).content.decode()
    assert no_nfc.iccid in by_network
    assert plain.iccid not in by_network


def test_the_registry_list_pages_with_a_fixed_number_of_queries(
    cast: Cast, northwind: MNO, django_assert_max_num_queries
) -> None:
    fleet_create(mno=northwind, count=60, seed=2)
    client = signed_in(cast.operations)
    with django_assert_max_num_queries(14):
        response = client.get(LIST)
    assert response.context["page_obj"].paginator.count == 60
    assert len(response.context["ses"]) == 50


def test_operations_see_custody_and_the_cards_domains_network_staff_do_not(
    cast: Cast, northwind: MNO
) -> None:
    fleet_create(mno=northwind, count=1, seed=4)
    se = SecureElement.objects.get()
    ops_page = signed_in(cast.operations).get(f"{LIST}{se.pk}/").content.decode()
    assert "Key custody" in ops_page
    assert se.key_sets.get().kcv_enc in ops_page
    assert "Security domains on the virtual card" in ops_page
    mno_page = signed_in(cast.northwind_viewer).get(f"{LIST}{se.pk}/").content.decode()
    assert "MSISDN history" in mno_page
    assert "Key custody" not in mno_page
    assert se.key_sets.get().kcv_enc not in mno_page


def test_operations_tune_the_simulated_network_with_checked_values(
    cast: Cast, northwind: MNO
) -> None:
    client = signed_in(cast.operations)
    url = f"/networks/simulation/{northwind.pk}/"
    values = {
        "latency_distribution": "lognormal",
        "latency_ms": "1500",
        "latency_min_ms": "300",
        "latency_max_ms": "9000",
        "latency_sigma": "0.6",
        "loss_rate": "0.02",
        "loss_executes_rate": "0.5",
        "error_rate": "0.7",
    }
    refused = client.post(url, {**values, "loss_rate": "0.5"})
    assert refused.status_code == 200
    assert "must not exceed 1" in refused.content.decode()
    assert not ConnectionSettings.objects.filter(mno=northwind).exists()

    saved = client.post(url, {**values, "error_rate": "0.03"})
    assert saved.status_code == 302
    parameters = ConnectionSettings.objects.get(mno=northwind).parameters
    assert parameters["latency_distribution"] == "lognormal"
    assert parameters["latency_ms"] == 1500
    assert parameters["error_rate"] == 0.03
    listing = client.get("/networks/simulation/").content.decode()
    assert "latency_ms=1500" in listing


def test_only_operations_reach_the_network_simulation(cast: Cast, northwind: MNO) -> None:
    for user in (cast.northwind_viewer, cast.finance, cast.account_manager, cast.maple_admin):
        client = signed_in(user)
        assert client.get("/networks/simulation/").status_code == 403
        assert client.get(f"/networks/simulation/{northwind.pk}/").status_code == 403


def test_network_staff_do_not_see_enstreams_sandbox_fleet_on_their_network(
    cast: Cast, northwind: MNO
) -> None:
    fleet_create(mno=northwind, count=2, sandbox=True, seed=8)
    sandbox_se = SecureElement.objects.filter(sandbox=True).first()
    client = signed_in(cast.northwind_viewer)
    assert sandbox_se.iccid not in client.get(LIST).content.decode()
    assert client.get(f"{LIST}{sandbox_se.pk}/").status_code == 404
    assert sandbox_se.iccid in signed_in(cast.operations).get(LIST).content.decode()
