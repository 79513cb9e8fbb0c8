"""Session state of the virtual card (lost on power loss) and the checks handlers share."""

from __future__ import annotations

from dataclasses import dataclass, field

from provisioning.gp.card_sm import CardSecureChannel
from provisioning.gp.registry import Privilege
from provisioning.gp.simulator.model import Application, CardContent, CardStatus, KeyRecord

__all__ = ["Context", "PendingLoad"]

SW_SECURITY = 0x6982
SW_MEMORY = 0x6A84


@dataclass
class PendingLoad:
    aid: bytes
    sd_aid: bytes
    block_hash: bytes
    next_block: int = 0
    data: bytearray = field(default_factory=bytearray)


@dataclass
class Context:
    content: CardContent
    selected: bytes
    page_size: int
    memory_exhausted: bool = False
    channel: CardSecureChannel | None = None
    session_sd: bytes | None = None
    session_record: KeyRecord | None = None
    perso_target: bytes | None = None
    store_next_block: int = 0
    store_buffer: bytes = b""
    load: PendingLoad | None = None
    status_scope: int | None = None
    status_pending: list[bytes] = field(default_factory=list)

    @property
    def authenticated(self) -> bool:
        return self.channel is not None and self.channel.is_authenticated

    def close_session(self) -> None:
        if self.channel is not None:
            self.channel.close()
        self.channel = None
        self.session_sd = None
        self.session_record = None
        self.perso_target = None
        self.load = None
        self.store_next_block = 0
        self.store_buffer = b""

    def session_domain(self) -> Application:
        """The security domain of the authenticated session, or answer 6982."""
        if not self.authenticated or self.session_sd not in self.content.applications:
            raise CardStatus(SW_SECURITY)
        return self.content.applications[self.session_sd]

    def managing_domain(self) -> Application:
        """The session's domain, which must be allowed to change card content."""
        sd = self.session_domain()
        if sd.aid != self.content.isd_aid and not sd.privileges & (Privilege.AUTHORIZED_MANAGEMENT):
            raise CardStatus(SW_SECURITY)
        return sd

    def may_manage(self, sd: Application, associated_sd: bytes) -> bool:
        """Whether ``sd`` governs content associated with ``associated_sd``."""
        if sd.aid == self.content.isd_aid:
            return True
        return any(d.aid == sd.aid for d in self.content.domain_chain(associated_sd))

    def managed_application(self, sd: Application, aid: bytes) -> Application:
        """The application or SSD ``aid`` if ``sd`` governs it: 6A88 unknown, 6982 not its own."""
        app = self.content.applications.get(aid)
        if app is None or app.aid == self.content.isd_aid:
            raise CardStatus(0x6A88)
        if not self.may_manage(sd, app.associated_sd):
            raise CardStatus(SW_SECURITY)
        return app

    def sees(self, sd: Application, associated_sd: bytes | None) -> bool:
        """GET STATUS visibility: the ISD and Global Registry domains see everything."""
        if sd.aid == self.content.isd_aid or sd.privileges & Privilege.GLOBAL_REGISTRY:
            return True
        return associated_sd is not None and self.may_manage(sd, associated_sd)

    def allocate(self, sd_aid: bytes, nv: int, volatile: int) -> None:
        """Answer 6A84 unless the card and every quota above ``sd_aid`` can hold the bytes."""
        content = self.content
        if self.memory_exhausted and (nv or volatile):
            raise CardStatus(SW_MEMORY)
        if content.used_nv() + nv > content.total_nv:
            raise CardStatus(SW_MEMORY)
        if content.used_volatile() + volatile > content.total_volatile:
            raise CardStatus(SW_MEMORY)
        for sd in content.domain_chain(sd_aid):
            used_nv, used_v = content.domain_usage(sd.aid)
            if sd.nv_quota is not None and used_nv + nv > sd.nv_quota:
                raise CardStatus(SW_MEMORY)
            if sd.v_quota is not None and used_v + volatile > sd.v_quota:
                raise CardStatus(SW_MEMORY)
