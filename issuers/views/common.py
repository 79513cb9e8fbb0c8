"""What the commercial pages share: the permission check after scoping, and how a service's
refusal reaches the page."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from enstream.accounts.roles import OrgKind, Perm, has_perm
from issuers.errors import CommercialError
from issuers.forms import ServiceForm


def require(user: Any, perm: Perm) -> None:
    """Called after the object was fetched through `for_user`: a member of the owning
    organisation whose role lacks `perm` gets 403, everyone else already got 404."""
    if not has_perm(user, perm):
        raise PermissionDenied


def show_refusal(form: ServiceForm, error: CommercialError) -> None:
    """A refusal about who may do it answers as such; any other lands on the form."""
    if error.status == 403:
        raise PermissionDenied(error.message)
    if error.status == 404:
        raise Http404(error.message)
    form.add_service_error(error)


def is_enstream(user: Any) -> bool:
    return user.organisation.kind == OrgKind.ENSTREAM


def is_mno(user: Any) -> bool:
    return user.organisation.kind == OrgKind.MNO
