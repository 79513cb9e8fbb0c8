"""Tenancy-walk cases for the SE registry pages (registered into tests/tenancy_registry.py)."""

import io

from django.core.cache import cache

from mno.imports import se_import_csv
from mno.views import REPORT_SECONDS, _report_key
from tests.cast import Cast
from tests.mno.factories import MnoFactory
from tests.registry.factories import make_se
from tests.tenancy_registry import EXCLUDED, Case, tenancy_case

EXCLUDED["mno:network_simulation"] = (
    "EnStream operations only (Perm.NETWORK_SETTINGS_MANAGE): no tenant role passes the "
    "permission check, so there is no tenant scoping to prove; tests/registry covers the 403"
)


@tenancy_case("mno:se_detail")
def _secure_element(cast: Cast) -> Case:
    # An SE of another network: Northwind's own staff may search their registry, not this one.
    se = make_se(MnoFactory(name="Lakeshore Wireless", short_code="LKW"))
    return {"pk": se.pk}, [cast.northwind_viewer], cast.operations


@tenancy_case("mno:se_import_report")
def _import_report(cast: Cast) -> Case:
    northwind = MnoFactory(organisation=cast.northwind, name="Northwind Mobile", short_code="NWM")
    result = se_import_csv(
        mno=northwind, file=io.BytesIO(b"iccid\n123\n"), actor=cast.northwind_viewer
    )
    token = "tenancy-walk-report"
    cache.set(
        _report_key(token),
        {"user": cast.northwind_viewer.pk, "csv": result.report_csv()},
        REPORT_SECONDS,
    )
    # Operations may import too, but a report belongs to the person who sent the file.
    return {"token": token}, [cast.operations], cast.northwind_viewer
