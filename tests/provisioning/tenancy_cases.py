"""Tenancy-walk cases for the provisioning pages (registered into tests/tenancy_registry.py)."""

from provisioning.models import Credential, Job, JobKind
from tests.cast import Cast
from tests.provisioning.helpers import build_market, virtual_se
from tests.tenancy_registry import EXCLUDED, Case, _also, tenancy_case

_OPERATIONS_ONLY = (
    "EnStream operations only (Perm.JOBS_OPERATE): no tenant role passes the permission check, "
    "so there is no tenant scoping to prove; tests/provisioning/test_pages.py covers the 403"
)
EXCLUDED["provisioning:job_retry"] = _OPERATIONS_ONLY
EXCLUDED["provisioning:job_cancel"] = _OPERATIONS_ONLY


def _maple_credential(cast: Cast) -> Credential:
    market = build_market(cast)
    se = virtual_se(market.northwind)
    return Credential.objects.create(
        issuer=market.maple,
        se=se,
        msisdn=se.msisdn,
        scheme="visa",
        applet_profile="visa_vsdc",
        pan_last4="1111",
        pan_hash="0" * 64,
        expiry_month=12,
        expiry_year=2030,
        instance_aid="A0000000031010",
        state="active",
    )


@tenancy_case("provisioning:credential_detail")
def _credential(cast: Cast) -> Case:
    credential = _maple_credential(cast)
    return {"pk": credential.pk}, [cast.prairie_admin, cast.outsider], cast.maple_viewer


@_also(
    "provisioning:credential_suspend",
    "provisioning:credential_resume",
    "provisioning:credential_delete",
)
def _credential_action(cast: Cast) -> Case:
    credential = _maple_credential(cast)
    return {"pk": credential.pk}, [cast.prairie_admin, cast.outsider], cast.maple_operator


@tenancy_case("provisioning:job_detail")
def _job(cast: Cast) -> Case:
    credential = _maple_credential(cast)
    job = Job.objects.create(
        kind=JobKind.SUSPEND,
        se=credential.se,
        mno_id=credential.se.mno_id,
        issuer=credential.issuer,
        credential=credential,
        state="succeeded",
    )
    return {"pk": job.pk}, [cast.prairie_admin, cast.outsider], cast.maple_viewer
