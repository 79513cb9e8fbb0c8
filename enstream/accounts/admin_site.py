"""The Django admin, behind the same door as the portal: EnStream admins only, and only once
their second factor is passed in this session."""

from django.contrib.admin import AdminSite
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from enstream.accounts.roles import Perm, has_perm


class EnStreamAdminSite(AdminSite):
    site_header = "EnStream administration"
    site_title = "EnStream admin"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return has_perm(user, Perm.ADMIN_SITE) and user.is_verified()

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # The admin's own form would sign in with a password alone: send everyone to ours.
        if request.user.is_authenticated:
            raise PermissionDenied
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect_to_login(next_url, reverse("accounts:login"))
