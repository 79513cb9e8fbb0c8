"""A minimal card for host <-> card round trips, independent of the full simulator.

It routes INITIALIZE UPDATE / EXTERNAL AUTHENTICATE to :class:`CardSecureChannel`, unwraps every
other command, and answers from a tiny applet:

- ``INS 40``: echo the data;            - ``INS CA``: return ``le`` (default 16) bytes 00 01 02..;
- ``INS E4``: 6A88 (referenced data not found); - ``INS F2``: the data with warning 6310;
- anything else: 9000 with no data.
"""

from __future__ import annotations

from provisioning.gp import CardSecureChannel, CommandAPDU, ResponseAPDU, SecureChannelError

SD_AID = bytes.fromhex("A000000151000000")


class EchoCard:
    def __init__(self, channel: CardSecureChannel, *, chunk: int | None = None) -> None:
        self.channel = channel
        self.received: list[bytes] = []  # plain commands as the applet saw them
        self._chunk = chunk  # answer in 61xx pieces of this size (T=0 behaviour)
        self._pending = b""

    def transmit(self, capdu: bytes) -> bytes:
        command = CommandAPDU.parse(capdu)
        if command.ins == 0xC0 and self._chunk:
            return self._next_chunk(command.le or 256)
        return self._send_in_chunks(self._process(command).to_bytes())

    def _send_in_chunks(self, raw: bytes) -> bytes:
        if not self._chunk or len(raw) - 2 <= self._chunk:
            return raw
        self._pending = raw
        return self._next_chunk(self._chunk)

    def _next_chunk(self, size: int) -> bytes:
        data, sw = self._pending[:-2], self._pending[-2:]
        head, rest = data[:size], data[size:]
        if not rest:
            self._pending = b""
            return head + sw
        self._pending = rest + sw
        return head + bytes((0x61, min(len(rest), 255) % 256))

    def _process(self, command: CommandAPDU) -> ResponseAPDU:
        if command.ins == 0xA4:
            self.channel.close()
            ok = command.data == self.channel.sd_aid
            return ResponseAPDU(b"", 0x9000 if ok else 0x6A82)
        if command.ins == 0x50:
            return self.channel.initialize_update(command)
        if command.ins == 0x82:
            return self.channel.external_authenticate(command)
        if self.channel.aborted:
            return ResponseAPDU(b"", 0x6982)
        if self.channel.is_authenticated:
            try:
                command = self.channel.unwrap_command(command)
            except SecureChannelError as exc:
                return ResponseAPDU(b"", exc.sw or 0x6982)
        self.received.append(command.to_bytes())
        return self.channel.wrap_response(self._applet(command))

    @staticmethod
    def _applet(command: CommandAPDU) -> ResponseAPDU:
        if command.ins == 0x40:
            return ResponseAPDU(command.data, 0x9000)
        if command.ins == 0xCA:
            return ResponseAPDU(bytes(i % 256 for i in range(command.le or 16)), 0x9000)
        if command.ins == 0xE4:
            return ResponseAPDU(b"", 0x6A88)
        if command.ins == 0xF2:
            return ResponseAPDU(command.data, 0x6310)
        return ResponseAPDU(b"", 0x9000)
