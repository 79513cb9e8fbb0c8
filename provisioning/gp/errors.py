"""Error types of the GlobalPlatform engine and status-word decoding."""

from __future__ import annotations

__all__ = ["GPError", "GPParseError", "SecureChannelError", "sw_meaning"]


class GPError(Exception):
    """Any failure reported by the GlobalPlatform engine.

    ``sw`` carries the card's status word when the failure came from a card answer, so callers
    can branch on it (e.g. 6A88 "not found" during an idempotent re-run) without parsing text.
    """

    def __init__(self, message: str, sw: int | None = None) -> None:
        if sw is not None:
            message = f"{message} (SW {sw:04X}: {sw_meaning(sw)})"
        super().__init__(message)
        self.sw = sw


class GPParseError(GPError, ValueError):
    """Malformed bytes: the single error type every parser raises."""


class SecureChannelError(GPError):
    """Authentication or secure-messaging failure; the session is unusable afterwards."""


_EXACT = {
    0x9000: "success",
    0x6200: "warning: no information given, non-volatile memory unchanged",
    0x6281: "warning: part of returned data may be corrupted",
    0x6282: "warning: end of file or record reached before reading Le bytes",
    0x6283: "warning: selected file invalidated (application locked)",
    0x6300: "authentication failed (EXTERNAL AUTHENTICATE: wrong host cryptogram)",
    0x6310: "more data available (send the command again for the next occurrence)",
    0x6400: "execution error: no precise diagnosis, non-volatile memory unchanged",
    0x6581: "memory failure",
    0x6700: "wrong length",
    0x6881: "logical channel not supported or not active",
    0x6882: "secure messaging not supported",
    0x6883: "last command of the chain expected",
    0x6884: "command chaining not supported",
    0x6982: "security status not satisfied",
    0x6983: "authentication method blocked",
    0x6984: "referenced data not usable (e.g. key or counter invalidated)",
    0x6985: "conditions of use not satisfied",
    0x6986: "command not allowed (no current EF)",
    0x6999: "applet selection failed",
    0x6A80: "incorrect parameters in the data field",
    0x6A81: "function not supported (e.g. card or application locked)",
    0x6A82: "application or file not found",
    0x6A84: "not enough memory space",
    0x6A86: "incorrect P1 P2",
    0x6A88: "referenced data not found",
    0x6B00: "wrong parameters P1 P2",
    0x6D00: "instruction code not supported or invalid",
    0x6E00: "class not supported",
    0x6F00: "no precise diagnosis",
}


def sw_meaning(sw: int) -> str:
    """Human-readable meaning of an ISO 7816-4 / GlobalPlatform status word."""
    if sw in _EXACT:
        return _EXACT[sw]
    sw1, sw2 = sw >> 8, sw & 0xFF
    if sw1 == 0x61:
        return f"{sw2 or 256} response bytes still available (send GET RESPONSE)"
    if sw1 == 0x6C:
        return f"wrong Le: resend with Le = {sw2 or 256}"
    if sw1 == 0x63 and sw2 & 0xF0 == 0xC0:
        return f"verification failed, {sw2 & 0x0F} tries left"
    if sw1 == 0x62:
        return "warning: state of non-volatile memory unchanged"
    if sw1 == 0x63:
        return "warning: state of non-volatile memory may have changed"
    if sw1 == 0x64:
        return "execution error, non-volatile memory unchanged"
    if sw1 == 0x65:
        return "execution error, non-volatile memory changed"
    if sw1 == 0x66:
        return "security-related issue"
    if sw1 == 0x67:
        return "wrong length"
    if sw1 == 0x68:
        return "functions in CLA not supported"
    if sw1 == 0x69:
        return "command not allowed"
    if sw1 == 0x6A:
        return "wrong parameters"
    if sw1 == 0x6B:
        return "wrong parameters P1 P2"
    if sw1 == 0x6D:
        return "instruction code not supported or invalid"
    if sw1 == 0x6E:
        return "class not supported"
    if sw1 == 0x6F:
        return "no precise diagnosis"
    return "unknown status word"
