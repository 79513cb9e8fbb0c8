"""The commercial lists: filter, sort, paginate, export CSV (every filtered row, formula-like
cells defused), and a query count that does not grow with the rows."""

import csv
import io
from collections.abc import Callable

import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse

from issuers.views.listing import csv_safe
from tests.billing.factories import standard_plan
from tests.issuers.factories import (
    AllocationFactory,
    IssuerFactory,
    NetworkLineFactory,
    ResaleAgreementFactory,
    World,
)
from tests.mno.factories import WholesaleAgreementFactory

pytestmark = pytest.mark.django_db

SignIn = Callable[[str], Client]

LISTS = [
    "issuers:list",
    "issuers:agreement_list",
    "issuers:allocation_list",
    "issuers:approvals",
    "networks:list",
    "billing:price_plan_list",
]


def _csv(response: StreamingHttpResponse) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_the_issuer_list_exports_every_filtered_row_as_csv(world: World, as_user: SignIn) -> None:
    rows = _csv(as_user("account_manager").get(reverse("issuers:list"), {"format": "csv"}))
    assert rows[0] == ["Legal name", "Kind", "Status", "Issues on", "Networks live", "Created"]
    assert [row[0] for row in rows[1:]] == [
        "Maple Bank of Canada",
        "Outsider Bank",
        "Prairie Credit Union Ltd.",
    ]
    maple = rows[1]
    assert maple[1:5] == ["Bank", "Live", "Visa, Interac", "2"]


def test_the_export_follows_the_filters_and_the_sort(world: World, as_user: SignIn) -> None:
    client = as_user("account_manager")
    rows = _csv(client.get(reverse("issuers:list"), {"format": "csv", "status": "onboarding"}))
    assert [row[0] for row in rows[1:]] == ["Prairie Credit Union Ltd."]
    rows = _csv(client.get(reverse("issuers:list"), {"format": "csv", "sort": "-legal_name"}))
    assert rows[1][0] == "Prairie Credit Union Ltd."


@pytest.mark.parametrize("formula", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)"])
def test_cells_a_spreadsheet_would_run_are_exported_as_text(
    formula: str, world: World, as_user: SignIn
) -> None:
    IssuerFactory(legal_name=formula)
    rows = _csv(as_user("account_manager").get(reverse("issuers:list"), {"format": "csv"}))
    names = [row[0] for row in rows[1:]]
    assert f"'{formula}" in names
    assert formula not in names


def test_csv_cells_keep_numbers_and_plain_text_as_they_are() -> None:
    assert csv_safe(1000) == 1000
    assert csv_safe("Maple Bank") == "Maple Bank"
    assert csv_safe(None) == ""
    assert csv_safe("\t=1") == "'\t=1"


def test_a_bank_exports_only_its_own_allocations(world: World, as_user: SignIn) -> None:
    rows = _csv(as_user("maple_viewer").get(reverse("issuers:allocation_list"), {"format": "csv"}))
    assert {row[1] for row in rows[1:]} == {"Maple Bank of Canada"}
    assert len(rows) == 3


def test_the_allocation_list_filters_by_status_and_network(world: World, as_user: SignIn) -> None:
    client = as_user("account_manager")
    page = client.get(
        reverse("issuers:allocation_list"),
        {"status": "requested", "mno": world.northwind.pk},
    ).content.decode()
    assert f'href="/issuers/space/{world.prairie_requested.pk}/"' in page
    assert f'href="/issuers/space/{world.maple_requested.pk}/"' not in page  # on Lakeshore
    assert f'href="/issuers/space/{world.maple_approved.pk}/"' not in page  # approved


def test_a_bank_is_offered_no_issuer_filter(world: World, as_user: SignIn) -> None:
    page = as_user("maple_viewer").get(reverse("issuers:allocation_list")).content.decode()
    assert 'name="issuer"' not in page
    assert "Prairie" not in page


def test_bad_filter_sort_and_page_values_are_not_errors(world: World, as_user: SignIn) -> None:
    client = as_user("account_manager")
    for query in (
        {"status": "bogus"},
        {"issuer": "not-a-number"},
        {"sort": "organisation__users__password"},
        {"sort": "-"},
        {"page": "abc"},
        {"page": "9999"},
        {"format": "xml"},
    ):
        for name in LISTS:
            assert client.get(reverse(name), query).status_code == 200, (name, query)


def test_a_sort_header_sorts_and_then_reverses(world: World, as_user: SignIn) -> None:
    client = as_user("account_manager")
    page = client.get(reverse("issuers:list")).content.decode()
    assert 'aria-sort="ascending"' in page
    assert 'href="?sort=-legal_name"' in page
    page = client.get(reverse("issuers:list"), {"sort": "-legal_name"}).content.decode()
    assert page.index("Prairie Credit Union Ltd.") < page.index("Maple Bank of Canada")
    assert 'aria-sort="descending"' in page


def test_lists_paginate_and_keep_their_filters(world: World, as_user: SignIn) -> None:
    for _ in range(30):
        IssuerFactory(status="prospect")
    client = as_user("account_manager")
    page = client.get(reverse("issuers:list"), {"status": "prospect"}).content.decode()
    assert "Page 1 of 2 · 30 in all" in page
    assert 'href="?status=prospect&amp;page=2"' in page
    last = client.get(reverse("issuers:list"), {"status": "prospect", "page": 2})
    assert "Page 2 of 2" in last.content.decode()
    rows = _csv(client.get(reverse("issuers:list"), {"status": "prospect", "format": "csv"}))
    assert len(rows) == 31  # the export is not paginated


def _grow(world: World) -> None:
    """Thirty more of everything a commercial list shows, on their own networks."""
    for _ in range(30):
        agreement = ResaleAgreementFactory(price_plan=standard_plan())
        line = NetworkLineFactory(agreement=agreement, mno=WholesaleAgreementFactory().mno)
        AllocationFactory(network_line=line)


@pytest.mark.parametrize("name", LISTS)
def test_a_list_page_costs_the_same_queries_for_three_rows_or_thirty(
    name: str, world: World, as_user: SignIn, django_assert_max_num_queries
) -> None:
    client = as_user("account_manager")
    _grow(world)
    with django_assert_max_num_queries(12):
        assert client.get(reverse(name)).status_code == 200
    with django_assert_max_num_queries(9):
        response = client.get(reverse(name), {"format": "csv"})
        assert len(_csv(response)) > 3


@pytest.mark.parametrize("name", LISTS)
def test_every_list_offers_a_csv_export(name: str, world: World, as_user: SignIn) -> None:
    page = as_user("account_manager").get(reverse(name)).content.decode()
    assert "format=csv" in page
    assert "Export CSV" in page
