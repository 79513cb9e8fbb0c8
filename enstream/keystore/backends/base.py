"""What a key encryption key (KEK) backend does: wrap and unwrap data keys, by KEK version."""

from abc import ABC, abstractmethod


class KekBackend(ABC):
    """A keyring of KEK versions, one of them active (the newest).

    Data keys are wrapped with AES key wrap with padding (RFC 5649), so a wrapped key carries
    its own integrity check and a wrong KEK or an altered blob fails to unwrap.
    """

    name: str

    @abstractmethod
    def versions(self) -> list[int]:
        """Every usable KEK version, oldest first."""

    @abstractmethod
    def active_version(self) -> int:
        """The version new data keys are wrapped under."""

    @abstractmethod
    def wrap(self, data_key: bytes, *, version: int) -> bytes: ...

    @abstractmethod
    def unwrap(self, wrapped: bytes, *, version: int) -> bytes: ...

    @abstractmethod
    def create_version(self) -> int:
        """Create a new KEK version, make it active and return it."""

    @abstractmethod
    def retire(self, version: int) -> None:
        """Destroy a KEK version. Data keys still wrapped under it become unreadable."""

    def rewrap(self, wrapped: bytes, *, from_version: int, to_version: int) -> bytes:
        return self.wrap(self.unwrap(wrapped, version=from_version), version=to_version)

    def describe(self) -> str:
        return self.name
