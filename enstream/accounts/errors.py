"""The one error type every accounts service raises."""


class AccountsError(Exception):
    """A refused accounts operation, with a message fit to show the person who asked.

    `code` lets a caller tell the reasons apart without parsing the message: a wrong or
    replayed second-factor code counts towards the lockout, a throttled one does not.
    """

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
