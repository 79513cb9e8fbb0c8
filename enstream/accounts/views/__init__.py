"""Portal pages of the accounts app. Each module is one flow; the views call services and
hold no rules. `locked_out` is named in settings (AXES_LOCKOUT_CALLABLE)."""

from enstream.accounts.views.login import locked_out

__all__ = ["locked_out"]
