"""Price plans: the editor (tiers per charge, shared-cost bands) with its live worked example,
new versions, a month's quote, and who may see which plan.

The figures are worked by hand from the standard plan (tests/billing/factories.py): active
SSDs graduated 0.25 / 0.20 / 0.15 at 10,000 and 50,000; credentials by volume 1.50 / 1.20 /
0.90 at 1,000 and 10,000; lifecycle flat 0.05; onboarding 5,000 (no discount); bands 0 %,
5 % from 100,000, 12.5 % from 250,000.
"""

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing.models import PricePlan
from tests.issuers.factories import World

pytestmark = pytest.mark.django_db

SignIn = Callable[[str], Client]

GRADUATED_SSDS = {"model": "graduated", "tiers": [(10000, "0.25"), (50000, "0.20"), ("", "0.15")]}


def _tariff(charges: dict[str, dict], bands: list[tuple[object, object]] = ()) -> dict:
    data: dict[str, object] = {
        "example-volumes": "1000, 10000, 50000",
        "example-platform_volume": "150000",
    }
    for kind, charge in charges.items():
        data[f"{kind}-priced"] = "on"
        data[f"{kind}-model"] = charge["model"]
        if charge.get("shares", True):
            data[f"{kind}-shares"] = "on"
        for i, (up_to, price) in enumerate(charge["tiers"]):
            data[f"{kind}-up_to-{i}"] = up_to
            data[f"{kind}-price-{i}"] = price
    for i, (start, discount) in enumerate(bands):
        data[f"band-from-{i}"] = start
        data[f"band-discount-{i}"] = discount
    return data


def _next_month() -> date:
    today = timezone.localdate()
    return date(today.year + today.month // 12, today.month % 12 + 1, 1)


def _plan_form(**extra: object) -> dict:
    data = _tariff(
        {
            "active_ssd_month": GRADUATED_SSDS,
            "credential_provisioned": {
                "model": "volume",
                "tiers": [(1000, "1.50"), (10000, "1.20"), ("", "0.90")],
            },
            "lifecycle_operation": {"model": "flat", "tiers": [("", "0.05")]},
        },
        bands=[(0, "0"), (100000, "5"), (250000, "12.5")],
    )
    data.update(
        name="Regional banks", code="regional", currency="CAD", effective_from=_next_month()
    )
    data.update(extra)
    return data


def test_an_account_manager_creates_a_tiered_price_plan(as_user: SignIn, cast) -> None:
    response = as_user("account_manager").post(reverse("billing:price_plan_create"), _plan_form())
    plan = PricePlan.objects.get(code="regional")
    assert response["Location"] == reverse("billing:price_plan_detail", kwargs={"pk": plan.pk})
    version = plan.versions.get()
    specs = {spec.kind: spec for spec in version.charge_specs()}
    assert specs["active_ssd_month"].model == "graduated"
    assert [t.up_to for t in specs["active_ssd_month"].tiers] == [10000, 50000, None]
    assert [b.from_volume for b in version.band_specs()] == [0, 100000, 250000]


def test_finance_may_write_price_plans_but_operations_may_not(as_user: SignIn, cast) -> None:
    assert as_user("finance").get(reverse("billing:price_plan_create")).status_code == 200
    assert as_user("operations").get(reverse("billing:price_plan_create")).status_code == 403


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("active_ssd_month-price-1", "twenty cents", "Enter a price such as 0.2500."),
        ("active_ssd_month-up_to-0", "ten thousand", "Enter a whole number of units"),
        ("active_ssd_month-price-0", "-0.25", "greater than or equal to 0"),
        ("active_ssd_month-price-0", "0.123456", "no more than 4 decimal places"),
        ("active_ssd_month-up_to-1", "5000", "each tier's upper limit must be above"),
        ("active_ssd_month-price-2", "", "Give this tier's unit price."),
        ("band-from-0", "10", "The first shared-cost band must start at a platform volume of 0."),
        ("band-discount-2", "4", "A larger platform volume cannot lower the discount"),
        ("effective_from", "2031-02-15", "Prices change on the first day of a month"),
        ("currency", "dollars", "An ISO 4217 code such as CAD."),
    ],
)
def test_bad_tiers_and_bands_are_form_errors(
    field: str, value: str, message: str, as_user: SignIn, cast
) -> None:
    data = _plan_form(**{field: value})
    if field == "active_ssd_month-price-2":
        data["active_ssd_month-up_to-2"] = "90000"  # a limit given, its price forgotten
    response = as_user("account_manager").post(reverse("billing:price_plan_create"), data)
    assert response.status_code == 200
    assert message in unescape(response.content.decode())
    assert not PricePlan.objects.filter(code="regional").exists()


def test_a_flat_charge_with_two_prices_is_a_form_error(as_user: SignIn, cast) -> None:
    data = _plan_form(**{"lifecycle_operation-up_to-0": "100", "lifecycle_operation-price-1": "1"})
    html = as_user("account_manager").post(reverse("billing:price_plan_create"), data)
    assert "is flat: give exactly one unit price" in unescape(html.content.decode())


def test_a_plan_with_no_charge_is_a_form_error(as_user: SignIn, cast) -> None:
    data = {"name": "Empty", "code": "empty", "currency": "CAD", "effective_from": _next_month()}
    response = as_user("account_manager").post(reverse("billing:price_plan_create"), data)
    assert "Charge for at least one thing" in response.content.decode()


def test_a_taken_code_is_a_form_error(world: World, as_user: SignIn) -> None:
    response = as_user("account_manager").post(
        reverse("billing:price_plan_create"), _plan_form(code="standard")
    )
    assert "A price plan with code standard exists." in response.content.decode()


def _table(html: str, table_id: str) -> str:
    start = html.index(f'id="{table_id}"')
    return html[start : html.index("</table>", start)]


def test_recalculating_shows_charges_at_several_volumes_without_saving(
    as_user: SignIn, cast
) -> None:
    data = _plan_form(recalculate="1")
    html = as_user("account_manager").post(reverse("billing:price_plan_create"), data)
    html = html.content.decode()
    assert not PricePlan.objects.exists()
    volumes = _table(html, "example-volumes")
    # Platform 150,000: 5 % off every unit price.
    # 1,000: SSDs 1,000 x 0.2375; credentials 1,000 x 1.425; lifecycle 1,000 x 0.0475.
    for amount in ("237.50", "1,425.00", "1,710.00"):
        assert amount in volumes
    # 50,000: SSDs 10,000 x 0.2375 + 40,000 x 0.19; credentials 50,000 x 0.855.
    for amount in ("9,975.00", "42,750.00", "55,100.00"):
        assert amount in volumes


def test_the_worked_example_puts_graduated_and_volume_side_by_side(as_user: SignIn, cast) -> None:
    html = as_user("account_manager").post(
        reverse("billing:price_plan_create"), _plan_form(recalculate="1")
    )
    html = html.content.decode()
    comparisons = html[html.index("Graduated and volume side by side") :]
    # Active SSDs at 50,000: graduated 9,975.00; volume: all 50,000 at 0.19 = 9,500.00.
    assert (
        '<td class="num">50,000</td><td class="num">9,975.00</td><td class="num">9,500.00</td>'
        in comparisons
    )
    # Credentials at 10,000: graduated 1,000 x 1.425 + 9,000 x 1.14 = 11,685.00; volume 11,400.00.
    assert (
        '<td class="num">10,000</td><td class="num">11,685.00</td><td class="num">11,400.00</td>'
        in comparisons
    )


def test_the_worked_example_shows_the_bill_falling_as_the_platform_grows(
    as_user: SignIn, cast
) -> None:
    html = as_user("account_manager").post(
        reverse("billing:price_plan_create"), _plan_form(recalculate="1")
    )
    bands = _table(html.content.decode(), "example-bands")
    # 1,000 of everything: 1,800.00 at 0 %; 1,575.10 at 12.5 % (0.2188, 1.3125, 0.0438).
    assert "1,800.00" in bands
    assert "1,575.10" in bands


def test_the_example_fragment_answers_the_editors_script(as_user: SignIn, cast) -> None:
    client = as_user("account_manager")
    url = reverse("billing:price_plan_example")
    response = client.post(url, _plan_form())
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert "1,710.00" in response.content.decode()
    bad = client.post(url, _plan_form(**{"active_ssd_month-price-0": "abc"}))
    assert "Fix these inputs" in bad.content.decode()
    assert (
        "Active SSD per month, tier 1: unit price: Enter a price such as 0.2500."
        in bad.content.decode()
    )
    assert client.get(url).status_code == 405


def test_the_editor_loads_its_script_from_the_portal_not_a_cdn(as_user: SignIn, cast) -> None:
    html = as_user("account_manager").get(reverse("billing:price_plan_create")).content.decode()
    assert '<script src="/static/js/price_plan_example.js" defer></script>' in html
    assert 'data-example-url="/billing/price-plans/example/"' in html
    assert "https://" not in html


def test_a_bank_cannot_use_the_example_endpoint(as_user: SignIn, cast) -> None:
    url = reverse("billing:price_plan_example")
    assert as_user("maple_admin").post(url, _plan_form()).status_code == 403


def test_a_month_is_quoted_line_by_line(world: World, as_user: SignIn) -> None:
    url = reverse("billing:price_plan_detail", kwargs={"pk": world.plan.pk})
    response = as_user("account_manager").get(
        url,
        {
            "month": "2025-06",
            "active_ssd_month": 12345,
            "credential_provisioned": 2000,
            "lifecycle_operation": 3333,
            "onboarding": 0,
            "platform_volume": 250000,
        },
    )
    quote = _table(response.content.decode(), "quote")
    # docs/commercial-model.md, "Worked example".
    for amount in ("2,598.38", "2,100.00", "145.99", "4,844.37"):
        assert amount in quote
    assert "12.5% shared-cost discount" in quote


def test_a_platform_volume_below_the_issuers_own_is_a_form_error(
    world: World, as_user: SignIn
) -> None:
    url = reverse("billing:price_plan_detail", kwargs={"pk": world.plan.pk})
    response = as_user("account_manager").get(
        url,
        {
            "month": "2025-06",
            "active_ssd_month": 500,
            "credential_provisioned": 0,
            "lifecycle_operation": 0,
            "onboarding": 0,
            "platform_volume": 10,
        },
    )
    assert "cannot be below this issuer" in unescape(response.content.decode())


def test_a_month_that_is_not_a_month_is_a_form_error(world: World, as_user: SignIn) -> None:
    url = reverse("billing:price_plan_detail", kwargs={"pk": world.plan.pk})
    response = as_user("account_manager").get(url, {"month": "June", "platform_volume": "x"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a month such as 2025-06." in html
    assert "Enter a whole number of units" in html


def test_a_new_version_starts_from_the_latest_prices(world: World, as_user: SignIn) -> None:
    client = as_user("account_manager")
    url = reverse("billing:price_plan_new_version", kwargs={"pk": world.plan.pk})
    form = client.get(url).content.decode()
    assert 'name="active_ssd_month-price-0" value="0.2500"' in form
    assert "Monthly charges at several volumes" in form
    data = _plan_form(effective_from=_next_month(), note="Lower SSD price")
    del data["name"], data["code"], data["currency"]
    data["active_ssd_month-price-0"] = "0.22"
    assert client.post(url, data).status_code == 302
    version = world.plan.versions.get(number=2)
    assert version.charge_specs()[0].tiers[0].unit_price == Decimal("0.22")
    page = client.get(reverse("billing:price_plan_detail", kwargs={"pk": world.plan.pk}))
    history = page.content.decode()
    history = history[history.index('id="history-heading"') :]
    assert "Version 2: created" in history
    assert "amir" in history


def test_a_version_for_a_past_month_is_a_form_error(world: World, as_user: SignIn) -> None:
    url = reverse("billing:price_plan_new_version", kwargs={"pk": world.plan.pk})
    data = _plan_form(effective_from="2021-01-01")
    html = as_user("account_manager").post(url, data).content.decode()
    assert "Prices of a past month cannot change." in html
    assert world.plan.versions.count() == 1


def test_a_bank_sees_the_plan_of_its_agreement_but_cannot_change_it(
    world: World, as_user: SignIn
) -> None:
    client = as_user("maple_admin")
    url = reverse("billing:price_plan_detail", kwargs={"pk": world.plan.pk})
    html = client.get(url).content.decode()
    assert "0.2500" in html
    assert "Agreements on this plan" not in html  # who else is on it is not the bank's business
    assert "RA-PRAIRIE-01" not in html
    new_version = reverse("billing:price_plan_new_version", kwargs={"pk": world.plan.pk})
    assert client.get(new_version).status_code == 403


def test_a_bank_does_not_see_a_plan_no_agreement_of_its_own_uses(
    world: World, as_user: SignIn
) -> None:
    other = PricePlan.objects.create(code="other", name="Other")
    url = reverse("billing:price_plan_detail", kwargs={"pk": other.pk})
    assert as_user("maple_admin").get(url).status_code == 404
    assert (
        "Other"
        not in as_user("maple_admin").get(reverse("billing:price_plan_list")).content.decode()
    )


def test_a_network_sees_no_price_plan(world: World, as_user: SignIn) -> None:
    client = as_user("northwind_viewer")
    assert client.get(reverse("billing:price_plan_list")).status_code == 403
    url = reverse("billing:price_plan_detail", kwargs={"pk": world.plan.pk})
    assert client.get(url).status_code == 404
