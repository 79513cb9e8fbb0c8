"""What the commercial API's viewsets share: reads scoped by `for_user`, writes for EnStream
staff only, and the services' refusals answered in the API's error shape."""

from typing import Any

from rest_framework import viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from enstream.accounts.models import User
from enstream.accounts.roles import OrgKind


def _is_staff(request: Request) -> bool:
    organisation = getattr(request.user, "organisation", None)
    return organisation is not None and organisation.kind == OrgKind.ENSTREAM


class StaffWrites(BasePermission):
    """Issuer and MNO callers (keys or people) only read this data; EnStream staff also
    write, and the service they call checks their role. On an object the caller cannot see
    the answer is 404, so the check waits for the scoped look-up."""

    message = "Only EnStream staff change commercial data through the API."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS or _names_object(view):
            return True
        return _is_staff(request)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return request.method in SAFE_METHODS or _is_staff(request)


def _names_object(view: Any) -> bool:
    return (view.lookup_url_kwarg or view.lookup_field) in view.kwargs


def acting_person(request: Request) -> Any:
    """The person a write is made by: the signed-in user, or the person a staff key acts for."""
    user = request.user
    return user if isinstance(user, User) else getattr(user, "person", None)


class CommercialViewSet(viewsets.GenericViewSet):
    _object: Any = None

    def get_queryset(self) -> Any:
        return self.queryset.for_user(self.request.user)  # type: ignore[union-attr]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # Another tenant's object answers 404 before anything else about the request (a
        # missing Idempotency-Key, a bad body) is judged.
        if _names_object(self):
            self.get_object()

    def get_object(self) -> Any:
        if self._object is None:
            self._object = super().get_object()
        return self._object

    def input(self, serializer_class: type, request: Request) -> dict[str, Any]:
        serializer = serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)
