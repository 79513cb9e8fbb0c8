import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mno import imports
from mno.errors import RegistryError
from mno.imports import se_import_csv
from mno.models import MNO
from mno.registry import MsisdnAssignment, SecureElement
from tests.accounts.helpers import login_verified
from tests.cast import Cast
from tests.registry.factories import iccid, make_se, msisdn

pytestmark = pytest.mark.django_db


def inventory(
    *rows: str, header: str = "iccid,msisdn,nfc_capable,scp,scp_i,free_nv_bytes"
) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def good_rows(count: int, start: int = 100) -> list[str]:
    return [f"{iccid(start + n)},{msisdn(start + n)},yes,03,70,65536" for n in range(count)]


def test_a_clean_file_imports_every_row_with_its_capabilities(cast: Cast, northwind: MNO) -> None:
    result = se_import_csv(
        mno=northwind,
        file=io.BytesIO(inventory(*good_rows(3), f"{iccid(7)},,no,02,55,2048")),
        actor=cast.northwind_viewer,
    )
    assert result.ok
    assert result.imported == 4
    se = SecureElement.objects.get(iccid=iccid(7))
    assert (se.mno, se.msisdn, se.nfc_capable, se.scp, se.scp_i) == (
        northwind,
        None,
        False,
        2,
        0x55,
    )
    assert MsisdnAssignment.objects.filter(se__mno=northwind).count() == 3


def test_one_bad_row_means_nothing_is_imported_and_every_bad_row_is_explained(
    cast: Cast, northwind: MNO
) -> None:
    existing = make_se(northwind)
    bad_iccid = iccid(201)[:-1] + str((int(iccid(201)[-1]) + 1) % 10)
    rows = [
        *good_rows(2),
        f"{bad_iccid},{msisdn(201)},yes,03,70,1",  # line 4: check digit
        f"{iccid(202)},555-01,yes,03,70,1",  # line 5: not a number
        f"{iccid(100)},{msisdn(203)},yes,03,70,1",  # line 6: repeats line 2
        f"{existing.iccid},{msisdn(204)},yes,03,70,1",  # line 7: already registered
        f"{iccid(205)},{existing.msisdn},yes,03,70,1",  # line 8: number in use
        f"{iccid(206)},{msisdn(206)},maybe,03,70,1",  # line 9: capability
        f"{iccid(207)},{msisdn(207)},yes,03,55,1",  # line 10: SCP03 has no i=55
    ]
    result = se_import_csv(mno=northwind, file=io.BytesIO(inventory(*rows)), actor=cast.operations)

    assert not result.ok
    assert result.imported == 0
    assert SecureElement.objects.count() == 1
    report = list(csv.DictReader(io.StringIO(result.report_csv())))
    reasons = {int(row["line"]): row["reason"] for row in report}
    assert sorted(reasons) == [4, 5, 6, 7, 8, 9, 10]
    assert "check digit" in reasons[4]
    assert "not a valid mobile number" in reasons[5]
    assert "repeats line 2" in reasons[6]
    assert "already in the registry" in reasons[7]
    assert "MSISDN already on an active SE" in reasons[8]
    assert "nfc_capable" in reasons[9]
    assert "SCP03 i is one of" in reasons[10]


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"msisdn\n+14165550123\n", "no_header"),
        (b"iccid,colour\n1,red\n", "unknown_columns"),
        (b"iccid\n", "empty_file"),
        (b"iccid\n\xff\xfe\n", "not_utf8"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(
    cast: Cast, northwind: MNO, content: bytes, code: str
) -> None:
    with pytest.raises(RegistryError) as caught:
        se_import_csv(mno=northwind, file=io.BytesIO(content), actor=cast.operations)
    assert caught.value.code == code


def test_a_file_over_the_size_limit_is_refused_while_it_streams(
    cast: Cast, northwind: MNO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "MAX_BYTES", 70 * 1024)
    huge = inventory(*good_rows(3000))
    with pytest.raises(RegistryError, match="over") as caught:
        se_import_csv(mno=northwind, file=io.BytesIO(huge), actor=cast.operations)
    assert caught.value.code == "file_too_large"
    assert SecureElement.objects.count() == 0


def test_network_staff_import_only_into_their_own_network(
    cast: Cast, northwind: MNO, lakeshore: MNO
) -> None:
    with pytest.raises(RegistryError) as caught:
        se_import_csv(
            mno=lakeshore, file=io.BytesIO(inventory(*good_rows(1))), actor=cast.northwind_viewer
        )
    assert caught.value.code == "wrong_network"
    with pytest.raises(RegistryError):
        se_import_csv(mno=northwind, file=io.BytesIO(inventory(*good_rows(1))), actor=cast.finance)


def test_the_import_page_puts_a_network_users_file_into_their_network(
    client: Client, cast: Cast, northwind: MNO, lakeshore: MNO
) -> None:
    login_verified(client, cast.northwind_viewer)
    upload = SimpleUploadedFile("sims.csv", inventory(*good_rows(2)), content_type="text/csv")
    response = client.post("/networks/secure-elements/import/", {"file": upload}, follow=True)
    assert response.status_code == 200
    assert "2 SEs imported into Northwind Mobile" in response.content.decode()
    assert set(SecureElement.objects.values_list("mno", flat=True)) == {northwind.pk}


def test_the_import_page_shows_the_rejected_rows_and_offers_them_as_csv(
    client: Client, cast: Cast, northwind: MNO
) -> None:
    login_verified(client, cast.operations)
    upload = SimpleUploadedFile(
        "sims.csv", inventory(*good_rows(2), "12345,,yes,03,70,1"), content_type="text/csv"
    )
    response = client.post(
        "/networks/secure-elements/import/", {"file": upload, "mno": northwind.pk}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was imported." in page
    assert "1 of 3 rows were rejected" in page
    assert SecureElement.objects.count() == 0
    link = f"/networks/secure-elements/import/{response.context['report_token']}/rejected.csv"
    assert link in page
    report = client.get(link)
    assert report["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(report.content.decode())))
    assert rows == [
        {
            "line": "4",
            "iccid": "12345",
            "msisdn": "",
            "reason": "An ICCID has 18 to 20 digits, not 5.",
        }
    ]
    other = Client()
    login_verified(other, cast.enstream_admin)
    assert other.get(link).status_code == 404


def test_an_unreadable_file_is_a_form_error_not_a_server_error(
    client: Client, cast: Cast, northwind: MNO
) -> None:
    login_verified(client, cast.operations)
    upload = SimpleUploadedFile("sims.csv", b"\x00\xff\xfe garbage", content_type="text/csv")
    response = client.post(
        "/networks/secure-elements/import/", {"file": upload, "mno": northwind.pk}
    )
    assert response.status_code == 200
    assert "not UTF-8" in response.content.decode()
