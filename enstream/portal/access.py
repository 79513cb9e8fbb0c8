"""Guards for portal views: signed in, and the role grants the permission (roles.py decides).

A missing permission answers 403; an object of another organisation answers 404, which is
the queryset's business (`for_user`), not these guards'.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from enstream.accounts.roles import Perm, has_perm

View = Callable[..., HttpResponse]


def perm_required(perm: Perm) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not has_perm(request.user, perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(guarded)

    return decorate


class PermRequiredMixin(LoginRequiredMixin):
    perm: Perm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not has_perm(request.user, self.perm):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
