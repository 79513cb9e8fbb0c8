"""The interface every OTA transport implements, one transport per network.

A transport takes a script of command APDUs for one SE and, some time later, reports what the
SE answered through `ota_record_reply` (mno/ota/services.py), which wakes the sender with a
Celery task. Nothing waits in between: a worker hands the script over and is free, whether the
network takes 50 ms or 50 s. docs/ota-transport.md says how to write a real adapter.
"""

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

from mno.ota.models import OtaExchange

# An SW the card may answer and still go on with a RAM script (ETSI TS 102 226): 9000,
# 61xx (more data), 62xx / 63xx (warnings).
_CONTINUE_SW1 = (0x61, 0x62, 0x63)


def sw_lets_script_continue(response: bytes) -> bool:
    if len(response) < 2:
        return False
    sw1, sw2 = response[-2], response[-1]
    return (sw1, sw2) == (0x90, 0x00) or sw1 in _CONTINUE_SW1


class OtaTransport(ABC):
    """One network's way to reach its SEs over the air.

    Built per use from the network's `ConnectionSettings` (its `parameters`, and the sealed
    credential an adapter may unseal). `send` is called after the transaction that stored the
    exchange has committed, so the reply can never arrive before the exchange exists.
    """

    kind: ClassVar[str]

    def __init__(self, parameters: Mapping[str, Any] | None = None) -> None:
        self.parameters = dict(parameters or {})

    @classmethod
    def check_parameters(cls, parameters: Mapping[str, Any]) -> dict[str, Any]:
        """The parameters cleaned, or RegistryError(field=...) naming the first bad one."""
        return dict(parameters)

    @abstractmethod
    def send(self, exchange: OtaExchange) -> None:
        """Hand `exchange.script` to the network and return at once; never wait for the reply.

        The reply (or the network's report that none will come) reaches
        `mno.ota.services.ota_record_reply` later, from whatever process receives it.
        """
