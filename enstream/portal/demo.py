"""The demo's people: EnStream, two issuers and five networks, a user of every role each, all
with one known password and one known authenticator seed. Safe to run again: it puts back
what is missing or was changed, and leaves everything else alone.

The other apps seed their commercial data from here (`<app>.demo.seed(stdout=...)`), after
the organisations and users exist.
"""

import importlib
from base64 import b32encode
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django_otp.oath import TOTP

from enstream.accounts.devices import EncryptedTOTPDevice
from enstream.accounts.models import Organisation, User
from enstream.accounts.roles import OrgKind, Role
from enstream.accounts.second_factor import second_factor_devices_remove

DEMO_PASSWORD = "Demo-password-2026"  # noqa: S105  (published: it is the demo's)
# Every demo user's authenticator app uses this seed, so one entry in an app signs in anyone.
DEMO_TOTP_SEED = b"enstream-demo-totp!!"
DEMO_TOTP_BASE32 = b32encode(DEMO_TOTP_SEED).decode().rstrip("=")

# The apps that add commercial demo data, in an order that satisfies their references
# (networks and price plans before the agreements that name them, agreements before jobs).
# A module may also name the apps it needs first in `SEED_AFTER`.
DEMO_APPS = ("mno", "billing", "issuers", "provisioning")


@dataclass(frozen=True)
class DemoOrg:
    slug: str
    name: str
    kind: str


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    org_slug: str
    role: str


ENSTREAM = DemoOrg("enstream", "EnStream", OrgKind.ENSTREAM)
ISSUERS = (
    DemoOrg("maple", "Maple Bank", OrgKind.ISSUER),
    DemoOrg("prairie", "Prairie Credit Union", OrgKind.ISSUER),
)
# The same slugs and names as mno/demo.py, which adds each network's terms.
MNOS = (
    DemoOrg("northwind", "Northwind Mobile", OrgKind.MNO),
    DemoOrg("lakeshore", "Lakeshore Wireless", OrgKind.MNO),
    DemoOrg("borealis", "Borealis Telecom", OrgKind.MNO),
    DemoOrg("cascadia", "Cascadia Cellular", OrgKind.MNO),
    DemoOrg("atlantica", "Atlantica Mobile", OrgKind.MNO),
)
ORGANISATIONS = (ENSTREAM, *ISSUERS, *MNOS)

USERS = (
    DemoUser("admin@enstream.example", "Alice Tremblay", "enstream", Role.ENSTREAM_ADMIN),
    DemoUser("am@enstream.example", "Amir Haddad", "enstream", Role.ACCOUNT_MANAGER),
    DemoUser("ops@enstream.example", "Olga Nowak", "enstream", Role.OPERATIONS),
    DemoUser("finance@enstream.example", "Fred Okafor", "enstream", Role.FINANCE),
    DemoUser("admin@maple.example", "Mia Gagnon", "maple", Role.ISSUER_ADMIN),
    DemoUser("operator@maple.example", "Omar Singh", "maple", Role.ISSUER_OPERATOR),
    DemoUser("viewer@maple.example", "Vic Roy", "maple", Role.ISSUER_VIEWER),
    DemoUser("admin@prairie.example", "Pat Bouchard", "prairie", Role.ISSUER_ADMIN),
    DemoUser("operator@prairie.example", "Priya Patel", "prairie", Role.ISSUER_OPERATOR),
    DemoUser("viewer@prairie.example", "Val Morin", "prairie", Role.ISSUER_VIEWER),
    *(
        DemoUser(f"viewer@{org.slug}.example", f"{org.name} viewer", org.slug, Role.MNO_VIEWER)
        for org in MNOS
    ),
)


def _say(stdout: Any, message: str) -> None:
    stdout.write(f"  {message}\n")


def _organisation(spec: DemoOrg, stdout: Any) -> Organisation:
    found = Organisation.objects.filter(slug=spec.slug).first()
    if found is None and spec.kind == OrgKind.ENSTREAM:
        found = Organisation.objects.filter(kind=OrgKind.ENSTREAM).first()
    if found is None:
        _say(stdout, f"organisation {spec.name}")
        return Organisation.objects.create(slug=spec.slug, name=spec.name, kind=spec.kind)
    return found


def _has_demo_authenticator(user: User) -> bool:
    devices = list(EncryptedTOTPDevice.objects.filter(user=user))
    return (
        len(devices) == 1
        and devices[0].confirmed
        and devices[0].secret_id is not None
        and devices[0].bin_key == DEMO_TOTP_SEED
    )


def _authenticator(user: User, stdout: Any) -> None:
    if _has_demo_authenticator(user):
        return
    if EncryptedTOTPDevice.objects.filter(user=user).exists():
        second_factor_devices_remove(user=user, actor=user, reason="demo reset")
    device = EncryptedTOTPDevice.objects.create(
        user=user, name="Demo authenticator", confirmed=True
    )
    device.seal_seed(DEMO_TOTP_SEED)
    _say(stdout, f"authenticator for {user.email}")


def _user(spec: DemoUser, organisation: Organisation, stdout: Any) -> User:
    user = User.objects.filter(email=spec.email).first()
    if user is None:
        user = User.objects.create_user(
            spec.email,
            DEMO_PASSWORD,
            organisation=organisation,
            role=spec.role,
            full_name=spec.full_name,
        )
        _say(stdout, f"user {spec.email} ({user.get_role_display()})")
    changed = []
    for field, value in (("organisation", organisation), ("role", spec.role), ("is_active", True)):
        if getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        changed.append("password")
    if changed:
        user.save()
        _say(stdout, f"user {spec.email}: reset {', '.join(changed)}")
    _authenticator(user, stdout)
    return user


@transaction.atomic
def seed_people(*, stdout: Any) -> None:
    organisations = {spec.slug: _organisation(spec, stdout) for spec in ORGANISATIONS}
    for spec in USERS:
        _user(spec, organisations[spec.org_slug], stdout)


def _demo_modules() -> list[tuple[str, Any]]:
    modules = {}
    for app in DEMO_APPS:
        try:
            modules[app] = importlib.import_module(f"{app}.demo")
        except ModuleNotFoundError as exc:
            if exc.name not in (app, f"{app}.demo"):
                raise
    ordered: list[str] = []

    def visit(app: str, path: tuple[str, ...] = ()) -> None:
        if app in ordered or app not in modules or app in path:
            return
        for before in getattr(modules[app], "SEED_AFTER", ()):
            visit(before, (*path, app))
        ordered.append(app)

    for app in DEMO_APPS:
        visit(app)
    return [(app, modules[app]) for app in ordered]


def seed_apps(*, stdout: Any) -> list[str]:
    """Run every app's demo seed that exists; return the apps that ran."""
    ran = []
    for app, module in _demo_modules():
        stdout.write(f"{app}:\n")
        module.seed(stdout=stdout)
        ran.append(app)
    return ran


def current_code(device: EncryptedTOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"
