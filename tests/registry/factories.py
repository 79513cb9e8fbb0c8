"""Registry test data: valid ICCIDs and numbers, and SEs on a network."""

import itertools

from mno.identifiers import luhn_check_digit
from mno.models import MNO
from mno.registry import SecureElement
from mno.se_services import Capabilities, se_register

_serial = itertools.count(1)


def iccid(n: int | None = None) -> str:
    body = f"8910990{(n if n is not None else next(_serial)):011d}"
    return body + luhn_check_digit(body)


def msisdn(n: int | None = None) -> str:
    return f"+1416555{(n if n is not None else next(_serial)) % 10_000:04d}"


def make_se(mno: MNO, *, with_line: bool = True, **capabilities: object) -> SecureElement:
    n = next(_serial)
    return se_register(
        mno=mno,
        iccid=iccid(n),
        msisdn=msisdn(n) if with_line else None,
        capabilities=Capabilities(**capabilities) if capabilities else None,  # type: ignore[arg-type]
    )
