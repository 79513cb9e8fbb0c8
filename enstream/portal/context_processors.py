from typing import Any

from django.http import HttpRequest

from enstream.portal.navigation import navigation_for


def _is_verified(user: Any) -> bool:
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified()) if callable(is_verified) else True


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    # Before the second factor, every page but the login ones is out of reach anyway.
    if user is None or not user.is_authenticated or not _is_verified(user):
        return {"nav_sections": []}
    return {"nav_sections": navigation_for(user, request.path)}
