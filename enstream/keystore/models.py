import uuid

from django.db import models
from django.utils import timezone


class Secret(models.Model):
    """One secret (an SE key, card data, a webhook secret, a TOTP seed), sealed in an envelope.

    The row holds only the data key wrapped under a KEK version, the nonce and the AES-GCM
    ciphertext; `owner` and `purpose` are bound into the ciphertext, so a blob copied to another
    row or read for another purpose fails to open. Read it with `enstream.keystore.unseal`.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    purpose = models.CharField(max_length=64)
    owner = models.CharField(max_length=200, db_index=True)
    envelope_format = models.PositiveSmallIntegerField(default=1)
    kek_version = models.PositiveIntegerField(db_index=True)
    wrapped_key = models.BinaryField(max_length=64)
    nonce = models.BinaryField(max_length=12)
    ciphertext = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sealed_at = models.DateTimeField(default=timezone.now)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["purpose", "owner"], name="keystore_secret_owner")]

    def __str__(self) -> str:
        return f"secret {self.id} ({self.purpose}, KEK v{self.kek_version})"

    def __repr__(self) -> str:
        state = " destroyed" if self.destroyed_at else ""
        return f"<Secret {self.id} purpose={self.purpose} kek=v{self.kek_version}{state}>"

    @property
    def is_destroyed(self) -> bool:
        return self.destroyed_at is not None

    def replace(self, plaintext: bytes) -> "Secret":
        """Seal new content in this row, under a fresh data key and the active KEK."""
        from enstream.keystore.services import reseal

        return reseal(self, plaintext, purpose=self.purpose, owner=self.owner)

    def destroy(self) -> None:
        """Wipe the envelope for good (card data after personalisation); the row stays."""
        from enstream.keystore.services import secret_destroy

        secret_destroy(self)
