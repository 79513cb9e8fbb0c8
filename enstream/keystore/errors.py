"""The keystore's single error type."""


class KeystoreError(Exception):
    """Any keystore failure.

    Messages name secrets by id, purpose and KEK version only, never by their bytes, so the
    error can be logged and shown in an error report as it is.
    """
