"""A virtual GlobalPlatform NFC SIM for tests, the CLI and the simulated OTA network.

``VirtualCard(isd_keys).transmit(capdu)`` behaves like a card in a reader. Its whole state
serialises with ``to_state()`` / ``VirtualCard.from_state()``: that dict holds key values and
personalisation data in clear hex, so whoever stores it must encrypt it.
"""

from provisioning.gp.simulator.card import CardRemoved, NoAnswer, VirtualCard
from provisioning.gp.simulator.catalog import (
    INTERAC,
    MASTERCARD,
    PAYMENT_PRODUCTS,
    PPSE,
    VISA,
    PreloadedProduct,
    build_cap,
    parse_cap,
)

__all__ = [
    "INTERAC",
    "MASTERCARD",
    "PAYMENT_PRODUCTS",
    "PPSE",
    "VISA",
    "CardRemoved",
    "NoAnswer",
    "PreloadedProduct",
    "VirtualCard",
    "build_cap",
    "parse_cap",
]
