"""The headline check: no key, card number, seed or password is ever left in clear.

Every flow below writes known secrets (canaries) through the real services; the canaries are
then also logged through the app's loggers, the way careless code would. Afterwards the whole
test database (pg_dump, or every column of every table where pg_dump cannot run), the Redis
database and everything logged are searched for each canary in every usual spelling: raw,
hex, base64, base32. Expect no hit.

To cover a new flow, add a function decorated with @flow that runs it and registers the
secrets it handled with `canaries.add(...)` (loggable=False for secrets that are not keys or
card numbers: only those are promised to be redacted in logs).
"""

import base64
import io
import logging
import os
import secrets
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from enstream.accounts.models import Organisation, User
from enstream.accounts.roles import OrgKind, Role
from enstream.keystore import lookup_hash, seal, unseal
from tests.cast import PASSWORD

# The app's loggers, as their modules name them (logging.getLogger(__name__)).
APP_LOGGERS = [
    "enstream",
    "enstream.keystore",
    "enstream.accounts",
    "issuers",
    "mno",
    "provisioning",
    "billing",
    "celery.app.trace",
    "django.request",
]
MIN_CANARY_BYTES = 8


def luhn_complete(partial: str) -> str:
    """Append the check digit that makes `partial` a Luhn-valid card number."""
    for check in "0123456789":
        digits = partial + check
        total = 0
        for index, char in enumerate(reversed(digits)):
            value = int(char) * (2 if index % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return digits
    raise AssertionError("unreachable")


def random_pan(prefix: str, length: int = 16) -> str:
    middle = "".join(secrets.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return luhn_complete(prefix + middle)


def _base64_inner(value: bytes, *, urlsafe: bool) -> Iterator[bytes]:
    """The base64 characters of `value` whatever its offset inside a larger encoded blob."""
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    for offset in range(3):
        encoded = encode(bytes(offset) + value)
        first = next(i for i in range(len(encoded)) if (6 * i) // 8 >= offset)
        last = max(i for i in range(len(encoded)) if (6 * i + 5) // 8 <= offset + len(value) - 1)
        yield encoded[first : last + 1]


@dataclass
class Canary:
    name: str
    value: bytes
    loggable: bool
    is_text: bool

    def spellings(self) -> dict[str, bytes]:
        forms = {
            "raw": self.value,
            "hex": self.value.hex().encode(),  # searched without regard to case
            "base32": base64.b32encode(self.value).rstrip(b"="),
        }
        for index, inner in enumerate(_base64_inner(self.value, urlsafe=False)):
            forms[f"base64@{index}"] = inner
        for index, inner in enumerate(_base64_inner(self.value, urlsafe=True)):
            forms[f"base64url@{index}"] = inner
        return forms


@dataclass
class Canaries:
    items: list[Canary] = field(default_factory=list)

    def add(self, name: str, value: bytes | str, *, loggable: bool = True) -> None:
        raw = value.encode() if isinstance(value, str) else bytes(value)
        assert len(raw) >= MIN_CANARY_BYTES, f"canary {name} is too short to search for"
        self.items.append(Canary(name, raw, loggable, is_text=isinstance(value, str)))


@dataclass
class World:
    """Who the flows act for: one issuer and its admin (a full cast costs seconds of hashing)."""

    issuer: Organisation
    admin: User


def build_world() -> World:
    issuer = Organisation.objects.create(name="Maple Bank", slug="maple", kind=OrgKind.ISSUER)
    admin = User.objects.create_user(
        "mia@maple.example", PASSWORD, organisation=issuer, role=Role.ISSUER_ADMIN
    )
    return World(issuer=issuer, admin=admin)


Flow = Callable[[Canaries, World], None]
FLOWS: list[Flow] = []


def flow(function: Flow) -> Flow:
    FLOWS.append(function)
    return function


@flow
def keystore_envelopes(canaries: Canaries, world: World) -> None:
    se_keys = {
        "SE key (AES-128)": os.urandom(16),
        "SE key (AES-256)": os.urandom(32),
        "SE key (2-key 3DES)": os.urandom(16),
        "GlobalPlatform test key": bytes.fromhex("404142434445464748494A4B4C4D4E4F"),
    }
    for index, (name, key) in enumerate(se_keys.items()):
        canaries.add(name, key)
        owner = f"mno.se:8901260000000000{index:03d}:ssd"
        secret = seal(key, purpose="mno.ssd.enc", owner=owner)
        assert unseal(secret, purpose="mno.ssd.enc", owner=owner) == key

    for name, pan in {
        "card number (Visa test)": "4111111111111111",
        "card number (random Mastercard)": random_pan("5454"),
        "card number (random 19-digit)": random_pan("6011", 19),
    }.items():
        canaries.add(name, pan)
        card_data = f'{{"pan": "{pan}", "expiry": "2912", "name": "M JONES"}}'.encode()
        secret = seal(
            card_data, purpose="issuers.card_data", owner=f"issuers.credential:{pan[-4:]}"
        )
        lookup_hash(pan, purpose="issuers.pan")
        if pan.startswith("4"):
            secret.destroy()  # personalised: card data purged

    webhook_secret = secrets.token_bytes(32)
    canaries.add("webhook secret", webhook_secret)
    seal(webhook_secret, purpose="issuers.webhook", owner="issuers.webhook:1")


@flow
def second_factor_enrolment(canaries: Canaries, world: World) -> None:
    from django_otp.oath import TOTP

    from enstream.accounts.second_factor import totp_enrolment_confirm, totp_enrolment_start

    device = totp_enrolment_start(user=world.admin)
    seed = device.bin_key
    canaries.add("TOTP seed", seed)
    _, codes = totp_enrolment_confirm(user=world.admin, code=f"{TOTP(seed).token():06d}")
    for index, code in enumerate(codes):
        canaries.add(f"backup code {index}", code, loggable=False)
        canaries.add(f"backup code {index} (typed)", code.replace("-", ""), loggable=False)
    canaries.add("password", PASSWORD, loggable=False)


@flow
def api_key_creation(canaries: Canaries, world: World) -> None:
    from enstream.apikeys.models import Scope
    from enstream.apikeys.services import apikey_create

    _, raw = apikey_create(
        organisation=world.issuer,
        name="core banking",
        scopes=[Scope.READ, Scope.PROVISION],
        created_by=world.admin,
    )
    secret_part = raw.rsplit("_", 1)[1]
    canaries.add("API key secret", secret_part, loggable=False)


@flow
def webhook_endpoint_secrets(canaries: Canaries, world: World) -> None:
    from enstream.webhooks.models import EventType
    from enstream.webhooks.services import (
        webhook_endpoint_create,
        webhook_endpoint_rotate_secret,
    )

    endpoint, first = webhook_endpoint_create(
        organisation=world.issuer,
        url="https://hooks.maple.example/enstream",
        event_types=[EventType.CREDENTIAL_ACTIVE],
        created_by=world.admin,
    )
    canaries.add("webhook signing secret", first)
    canaries.add(
        "webhook signing secret, rotated", webhook_endpoint_rotate_secret(endpoint=endpoint)
    )


def log_carelessly(canaries: Canaries) -> None:
    """What careless code does with a secret in hand: every spelling, every level."""
    for logger_name in APP_LOGGERS:
        logger = logging.getLogger(logger_name)
        for canary in canaries.items:
            if not canary.loggable:
                continue
            # Text (a card number) is logged as text, bytes (a key) as Python prints bytes.
            text = canary.value.decode() if canary.is_text else None
            logger.debug("value %r hex %s", canary.value, canary.value.hex())
            logger.info("upper %s", canary.value.hex().upper())
            logger.warning("base64 %s", base64.b64encode(canary.value).decode())
            logger.warning("base32 %s", base64.b32encode(canary.value).decode())
            if text:
                logger.error("text %s", text)
                logger.info(f"f-string {text}")
            try:
                raise ValueError(f"failed for {text or canary.value!r}")
            except ValueError:
                logger.exception("flow failed", extra={"secret": text or canary.value.hex()})


def dump_database() -> bytes:
    db = connection.settings_dict
    if connection.vendor == "postgresql" and shutil.which("pg_dump"):
        command = ["pg_dump", "--data-only", "--no-owner", "--dbname", db["NAME"]]
        for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
            if db.get(key):
                command += [flag, str(db[key])]
        env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
        result = subprocess.run(command, capture_output=True, env=env, timeout=120, check=False)
        assert result.returncode == 0, result.stderr.decode(errors="replace")
        return result.stdout
    return dump_every_column()


def dump_every_column() -> bytes:
    chunks: list[bytes] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        chunks += [bytes(value), bytes(value).hex().encode()]
                    elif value is not None:
                        chunks.append(str(value).encode())
    return b"\n".join(chunks)


def dump_redis() -> bytes:
    url = settings.REDIS_URL
    if not url:
        return b""
    import redis

    client = redis.Redis.from_url(url)
    readers = {
        b"string": lambda key: [client.get(key)],
        b"list": lambda key: client.lrange(key, 0, -1),
        b"set": lambda key: list(client.smembers(key)),
        b"zset": lambda key: client.zrange(key, 0, -1),
        b"hash": lambda key: [v for pair in client.hgetall(key).items() for v in pair],
    }
    chunks: list[bytes] = []
    for key in client.scan_iter(count=1000):
        chunks.append(key)
        reader = readers.get(client.type(key))
        chunks += [value for value in (reader(key) if reader else []) if value]
    return b"\n".join(chunks)


def hits(haystack: bytes, canaries: Canaries, place: str, *, logs: bool = False) -> list[str]:
    found = []
    lowered = haystack.lower()
    for canary in canaries.items:
        if logs and not canary.loggable:
            continue
        for spelling, needle in canary.spellings().items():
            present = needle in lowered if spelling == "hex" else needle in haystack
            if present:
                # Name the canary and the place, never the value: this message is printed too.
                found.append(f"{canary.name} ({spelling}) in {place}")
    return found


def formatted_log_handler() -> logging.Handler:
    """A handler with the portal's log format and no filter of its own: only the redaction
    installed at start-up stands between a secret and its output."""
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"]))
    return handler


def logged_text(handler: logging.StreamHandler, caplog: pytest.LogCaptureFixture) -> bytes:
    # exc_info is left out: it holds the live exception, which handlers do not print (they
    # print exc_text, which is redacted).
    records = [
        f"{record.getMessage()} {record.exc_text or ''} "
        f"{ {k: v for k, v in record.__dict__.items() if k != 'exc_info'} }"
        for record in caplog.records
    ]
    return "\n".join([handler.stream.getvalue(), caplog.text, *records]).encode()


@pytest.mark.django_db(transaction=True)
def test_no_key_card_number_seed_or_password_is_left_in_clear(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    from enstream.keystore import Secret

    canaries = Canaries()
    handler = formatted_log_handler()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with (
            override_settings(ENSTREAM_KEK_BACKEND="file", ENSTREAM_KEK_FILE=tmp_path / "kek.json"),
            caplog.at_level(logging.DEBUG),
        ):
            world = build_world()
            for run in FLOWS:
                run(canaries, world)
            log_carelessly(canaries)
    finally:
        root.removeHandler(handler)

    database = dump_database()
    logged = logged_text(handler, caplog)

    # The places searched really hold what the flows wrote and logged.
    sealed_id = Secret.objects.first().pk  # PostgreSQL dumps it with dashes, SQLite as hex
    assert str(sealed_id).encode() in database or sealed_id.hex.encode() in database
    assert b"[PAN ****1111]" in logged
    assert len(canaries.items) >= 10

    leaks = (
        hits(database, canaries, "the database dump")
        + hits(dump_redis(), canaries, "Redis")
        + hits(logged, canaries, "the logs", logs=True)
    )
    assert not leaks, "secrets found in clear:\n" + "\n".join(leaks)


@pytest.mark.django_db(transaction=True)
def test_the_scan_finds_a_secret_left_in_clear_in_a_text_or_binary_column(
    tmp_path: Path,
) -> None:
    from enstream.keystore import Secret

    canaries = Canaries()
    canaries.add("planted card number", random_pan("4000"))
    canaries.add("planted key", os.urandom(16))
    with override_settings(ENSTREAM_KEK_BACKEND="file", ENSTREAM_KEK_FILE=tmp_path / "kek.json"):
        secret = seal(b"placeholder", purpose="tests.control", owner="tests.control:1")
    Organisation.objects.create(
        name=canaries.items[0].value.decode(), slug="planted", kind="issuer"
    )
    Secret.objects.filter(pk=secret.pk).update(ciphertext=canaries.items[1].value)

    found = hits(dump_database(), canaries, "the database dump")

    assert "planted card number (raw) in the database dump" in found
    assert "planted key (hex) in the database dump" in found
