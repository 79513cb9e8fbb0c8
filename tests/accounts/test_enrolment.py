"""Setting up the authenticator app: QR code, first code, backup codes shown once."""

import re

from django_otp.oath import totp

from enstream.accounts.devices import BackupCode, EncryptedTOTPDevice
from enstream.audit.models import AuditEntry
from tests.accounts.helpers import add_authenticator, login_verified, totp_code
from tests.cast import PASSWORD

ENROL = "/accounts/second-factor/enrol/"


def _seed_of(user) -> bytes:
    return EncryptedTOTPDevice.objects.get(user=user, confirmed=False).bin_key


def _start(client, user):
    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert response.url == ENROL
    return client.get(ENROL)


def test_the_enrol_page_shows_a_qr_code_inline_and_the_key(client, cast) -> None:
    response = _start(client, cast.finance)
    assert response.status_code == 200
    assert 'src="data:image/svg+xml' in response.text
    assert re.search(r'<code id="setup-key">[A-Z2-7 ]{32,}</code>', response.text)


def test_reloading_the_page_keeps_the_same_key(client, cast) -> None:
    first = _start(client, cast.finance)
    second = client.get(ENROL)
    key = re.compile(r'<code id="setup-key">([^<]+)</code>')
    assert key.search(first.text).group(1) == key.search(second.text).group(1)


def test_the_first_code_confirms_the_app_signs_in_and_shows_backup_codes(client, cast) -> None:
    _start(client, cast.finance)
    code = f"{totp(_seed_of(cast.finance)):06d}"
    response = client.post(ENROL, {"code": code})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-9-]{19})</code></li>", response.text)
    assert len(codes) == 10
    assert response["Cache-Control"].startswith("max-age=0")
    assert client.get("/").status_code == 200
    assert AuditEntry.objects.filter(action="second_factor.enrolled").count() == 1


def test_the_backup_codes_are_not_shown_again(client, cast) -> None:
    _start(client, cast.finance)
    response = client.post(ENROL, {"code": f"{totp(_seed_of(cast.finance)):06d}"})
    codes = re.findall(r"<li><code>([a-z2-9-]{19})</code></li>", response.text)
    account = client.get("/accounts/account/")
    assert "10 unused backup codes" in account.text
    assert not any(code in account.text for code in codes)


def test_a_wrong_first_code_is_refused(client, cast) -> None:
    _start(client, cast.finance)
    right = totp(_seed_of(cast.finance))
    response = client.post(ENROL, {"code": f"{(right + 1) % 1_000_000:06d}"})
    assert response.status_code == 200
    assert "That code is not valid." in response.text
    assert client.get("/").status_code == 302


def test_a_part_way_user_with_an_app_cannot_enrol_a_second_one(client, cast) -> None:
    add_authenticator(cast.maple_admin)
    client.post("/accounts/login/", {"username": cast.maple_admin.email, "password": PASSWORD})
    response = client.get(ENROL)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/second-factor/?next=")
    assert not EncryptedTOTPDevice.objects.filter(confirmed=False).exists()


def test_a_verified_user_can_replace_the_app_and_the_old_one_stops(client, cast) -> None:
    login_verified(client, cast.maple_admin)
    assert client.get(ENROL).status_code == 200
    new_seed = _seed_of(cast.maple_admin)
    response = client.post(ENROL, {"code": f"{totp(new_seed):06d}"})
    assert response.status_code == 200
    devices = EncryptedTOTPDevice.objects.filter(user=cast.maple_admin)
    assert devices.count() == 1
    assert devices.get().bin_key == new_seed
    assert totp_code() != f"{totp(new_seed):06d}"


def test_enrolling_again_replaces_the_backup_codes(client, cast) -> None:
    login_verified(client, cast.maple_admin)
    client.get(ENROL)
    client.post(ENROL, {"code": f"{totp(_seed_of(cast.maple_admin)):06d}"})
    first = set(BackupCode.objects.values_list("code_hash", flat=True))
    client.get(ENROL)
    client.post(ENROL, {"code": f"{totp(_seed_of(cast.maple_admin), drift=1):06d}"})
    second = set(BackupCode.objects.values_list("code_hash", flat=True))
    assert len(second) == 10
    assert not first & second
