"""Tenancy-walk cases for the credential API (registered into tests/tenancy_registry.py).

The walk signs people in (a portal session is live mode), so the credential is on a live SIM.
Its owner is Maple's operator, who may both read credentials and change them."""

from provisioning.services import credential_provision
from tests.cast import Cast
from tests.provisioning.helpers import build_market, virtual_se, visa
from tests.tenancy_registry import Case, _also


def _credential(cast: Cast) -> tuple[str, str]:
    market = build_market(cast)
    credential, job = credential_provision(
        issuer=market.maple,
        msisdn=virtual_se(market.northwind).msisdn,
        scheme="visa",
        applet_profile="visa_vsdc",
        card_data=visa(),
        sandbox=False,
    )
    return str(credential.pk), str(job.pk)


@_also(
    "credential-detail",
    "credential-suspend",
    "credential-resume",
    "credential-delete",
    "credential-card-data",
)
def _credential_case(cast: Cast) -> Case:
    credential, _ = _credential(cast)
    return {"pk": credential}, [cast.prairie_admin, cast.outsider], cast.maple_operator


@_also("job-detail")
def _job_case(cast: Cast) -> Case:
    _, job = _credential(cast)
    return {"pk": job}, [cast.prairie_admin, cast.outsider], cast.maple_viewer
