"""Portal pages: list, create (the key shown once) and revoke API keys."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from enstream.accounts.roles import Perm
from enstream.apikeys.forms import ApiKeyForm
from enstream.apikeys.models import ApiKey
from enstream.apikeys.services import ApiKeyError, apikey_create, apikey_revoke
from enstream.portal.access import perm_required
from enstream.tenancy import get_for_user_or_404


@perm_required(Perm.API_KEYS_MANAGE)
def key_list(request: HttpRequest) -> HttpResponse:
    keys = (
        ApiKey.objects.for_user(request.user)
        .select_related("organisation", "created_by", "user")
        .order_by("revoked_at", "-created_at")
    )
    page = Paginator(keys, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "apikeys/key_list.html",
        {"page": page, "show_organisation": request.user.organisation.is_enstream},
    )


@perm_required(Perm.API_KEYS_MANAGE)
@require_http_methods(["GET", "POST"])
def key_create(request: HttpRequest) -> HttpResponse:
    organisation = request.user.organisation
    form = ApiKeyForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            key, raw = apikey_create(
                organisation=organisation,
                name=data["name"],
                mode=data["mode"],
                scopes=data["scopes"],
                allowed_cidrs=data["allowed_cidrs"],
                expires_at=form.expires_at(),
                user=data.get("user"),
                created_by=request.user,
            )
        except ApiKeyError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            # Rendered, not redirected: the key must not pass through the session store.
            response = render(request, "apikeys/key_created.html", {"key": key, "raw_key": raw})
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "apikeys/key_form.html", {"form": form})


@perm_required(Perm.API_KEYS_MANAGE)
@require_http_methods(["GET", "POST"])
def key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_for_user_or_404(ApiKey, request.user, pk=pk)
    if request.method == "POST":
        try:
            apikey_revoke(key=key, by=request.user)
        except ApiKeyError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"The key {key.prefix}… no longer works.")
        return redirect("apikeys:list")
    return render(request, "apikeys/key_revoke.html", {"key": key})
