"""The unified reports: scoped, filtered, exported as CSV, trends as inline SVG."""

import csv
from datetime import date
from io import StringIO

from django.test import Client
from django.urls import reverse

from billing.ledger import UsageKind
from billing.reports_csv import csv_safe, csv_text
from tests.cast import Cast
from tests.issuers.factories import World
from tests.ledger.factories import record
from tests.ledger.pages import ISSUER_PRICES, issued_october, signed_in

OCTOBER_RANGE = {"start": "2026-10-01", "end": "2026-10-31"}


def _csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(StringIO(content.decode())))


def test_enstream_sees_every_issuer_on_every_network_with_money(
    client: Client, cast: Cast, world: World
) -> None:
    issued_october(cast, world)
    signed_in(client, cast.finance)

    page = client.get(reverse("billing_reports:reports"), OCTOBER_RANGE)
    rows = _csv(
        client.get(
            reverse("billing_reports:reports"), {**OCTOBER_RANGE, "export": "issuers"}
        ).content
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html
    assert "Maple Bank of Canada" in html
    header, *body = rows
    assert header[:2] == ["Issuer", "Network"]
    northwind = next(r for r in body if r[1] == "Northwind Mobile")
    assert northwind[3] == "12000"  # SSDs at the end of October
    # Revenue 2,844.44 + 840 + 100 on Northwind; cost 960 + 245 + 75 (wholesale).
    assert northwind[-3:] == ["3784.44", "1280.00", "2504.44"]


def test_the_network_filter_narrows_every_table(client: Client, cast: Cast, world: World) -> None:
    issued_october(cast, world)
    signed_in(client, cast.finance)

    rows = _csv(
        client.get(
            reverse("billing_reports:reports"),
            {**OCTOBER_RANGE, "network": world.lakeshore.pk, "export": "issuers"},
        ).content
    )

    assert {row[1] for row in rows[1:]} == {"Lakeshore Wireless"}


def test_a_bad_range_is_a_form_error_not_a_crash(client: Client, cast: Cast, world: World) -> None:
    signed_in(client, cast.finance)
    page = client.get(reverse("billing_reports:reports"), {"start": "2026-10-31", "end": "x"})
    assert page.status_code == 200
    assert "errorlist" in page.content.decode()
    unknown = client.get(reverse("billing_reports:reports"), {"network": "999999", "start": ""})
    assert unknown.status_code == 200


def test_an_issuer_sees_its_networks_side_by_side_and_its_charges_so_far(
    client: Client, cast: Cast, world: World
) -> None:
    issued_october(cast, world)
    record(
        world.maple,
        world.northwind,
        UsageKind.CREDENTIAL_PROVISIONED,
        date(2026, 11, 3),
        quantity=10,
    )
    signed_in(client, cast.maple_viewer)

    landing = client.get(reverse("billing_reports:reports"))
    url = reverse("billing_reports:issuer_report", kwargs={"pk": world.maple.pk})
    page = client.get(url, OCTOBER_RANGE).content.decode()
    charges = _csv(client.get(url, {"export": "charges"}).content)

    assert landing.status_code == 302
    assert landing["Location"] == url
    assert "Northwind Mobile" in page
    assert "Lakeshore Wireless" in page
    assert "Wholesale" not in page
    assert ["Credential provisioned", "Northwind Mobile", "10", "1.5000", "15.00"] in charges


def test_other_issuers_and_mnos_get_404_on_an_issuers_report(
    client: Client, cast: Cast, world: World
) -> None:
    url = reverse("billing_reports:issuer_report", kwargs={"pk": world.maple.pk})
    for user in (cast.prairie_admin, cast.outsider, cast.northwind_viewer):
        signed_in(client, user)
        assert client.get(url).status_code == 404


def test_an_mno_sees_its_network_operations_and_what_it_is_owed_without_issuer_prices(
    client: Client, cast: Cast, world: World
) -> None:
    issued_october(cast, world)
    record(world.maple, world.northwind, UsageKind.OTA_OPERATION, date(2026, 11, 3), quantity=40)
    signed_in(client, cast.northwind_viewer)
    url = reverse("billing_reports:mno_report", kwargs={"pk": world.northwind.pk})

    page = client.get(url, OCTOBER_RANGE).content.decode()
    exports = [
        client.get(url, {**OCTOBER_RANGE, "export": name}).content.decode()
        for name in ("issuers", "settlement")
    ]

    assert "Maple Bank of Canada" in page
    assert "12,000" in page
    assert "0.60" in page  # 40 OTA operations x 0.015 owed so far in November
    for content in (page, *exports):
        for price in ISSUER_PRICES:
            assert price not in content
    lakeshore = reverse("billing_reports:mno_report", kwargs={"pk": world.lakeshore.pk})
    assert client.get(lakeshore).status_code == 404


def test_an_unknown_export_is_404(client: Client, cast: Cast, world: World) -> None:
    signed_in(client, cast.finance)
    assert client.get(reverse("billing_reports:reports"), {"export": "secrets"}).status_code == 404


def test_csv_cells_that_a_spreadsheet_would_run_are_defused() -> None:
    text = csv_text(["Issuer", "Amount"], [['=HYPERLINK("x")', -30], ["+1", "@SUM(A1)"]])
    assert _csv(text.encode())[1:] == [['\'=HYPERLINK("x")', "-30"], ["'+1", "'@SUM(A1)"]]
    assert csv_safe(None) == ""
