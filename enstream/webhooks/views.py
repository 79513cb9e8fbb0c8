"""Portal pages for an issuer's webhook endpoints and their delivery log."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from enstream.accounts.roles import Perm
from enstream.portal.access import perm_required
from enstream.tenancy import get_for_user_or_404
from enstream.webhooks.forms import EndpointForm
from enstream.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from enstream.webhooks.services import (
    WebhookError,
    webhook_delivery_resend,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_disable,
    webhook_endpoint_enable,
    webhook_endpoint_rotate_secret,
)


def _show_secret(request: HttpRequest, endpoint: WebhookEndpoint, secret: str) -> HttpResponse:
    # Rendered, not redirected: the secret must not pass through the session store.
    response = render(request, "webhooks/secret.html", {"endpoint": endpoint, "secret": secret})
    response["Cache-Control"] = "no-store"
    return response


@perm_required(Perm.WEBHOOKS_MANAGE)
def endpoint_list(request: HttpRequest) -> HttpResponse:
    endpoints = WebhookEndpoint.objects.for_user(request.user)
    return render(request, "webhooks/endpoint_list.html", {"endpoints": endpoints})


@perm_required(Perm.WEBHOOKS_MANAGE)
@require_http_methods(["GET", "POST"])
def endpoint_create(request: HttpRequest) -> HttpResponse:
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = webhook_endpoint_create(
                organisation=request.user.organisation, created_by=request.user, **form.cleaned_data
            )
        except WebhookError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            return _show_secret(request, endpoint, secret)
    return render(request, "webhooks/endpoint_form.html", {"form": form})


@perm_required(Perm.WEBHOOKS_MANAGE)
def endpoint_detail(request: HttpRequest, pk: str) -> HttpResponse:
    endpoint = get_for_user_or_404(WebhookEndpoint, request.user, pk=pk)
    deliveries = (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("event")
        .prefetch_related(
            Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("number"))
        )
    )
    page = Paginator(deliveries, 25).get_page(request.GET.get("page"))
    return render(request, "webhooks/endpoint_detail.html", {"endpoint": endpoint, "page": page})


@perm_required(Perm.WEBHOOKS_MANAGE)
@require_POST
def endpoint_rotate(request: HttpRequest, pk: str) -> HttpResponse:
    endpoint = get_for_user_or_404(WebhookEndpoint, request.user, pk=pk)
    secret = webhook_endpoint_rotate_secret(endpoint=endpoint, by=request.user)
    return _show_secret(request, endpoint, secret)


@perm_required(Perm.WEBHOOKS_MANAGE)
@require_POST
def endpoint_toggle(request: HttpRequest, pk: str) -> HttpResponse:
    endpoint = get_for_user_or_404(WebhookEndpoint, request.user, pk=pk)
    if endpoint.is_active:
        webhook_endpoint_disable(endpoint=endpoint, reason="Disabled by an admin.", by=request.user)
        messages.success(request, "The endpoint is disabled; events are kept but not sent.")
    else:
        webhook_endpoint_enable(endpoint=endpoint, by=request.user)
        messages.success(request, "The endpoint is enabled again.")
    return redirect("webhooks:detail", pk=endpoint.pk)


@perm_required(Perm.WEBHOOKS_MANAGE)
@require_http_methods(["GET", "POST"])
def endpoint_delete(request: HttpRequest, pk: str) -> HttpResponse:
    endpoint = get_for_user_or_404(WebhookEndpoint, request.user, pk=pk)
    if request.method == "POST":
        webhook_endpoint_delete(endpoint=endpoint, by=request.user)
        messages.success(request, f"{endpoint.url} was deleted.")
        return redirect("webhooks:list")
    return render(request, "webhooks/endpoint_delete.html", {"endpoint": endpoint})


@perm_required(Perm.WEBHOOKS_MANAGE)
@require_POST
def delivery_resend(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_for_user_or_404(
        WebhookDelivery.objects.select_related("endpoint"), request.user, pk=pk
    )
    try:
        webhook_delivery_resend(delivery=delivery, by=request.user)
    except WebhookError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The event is being sent again.")
    return redirect("webhooks:detail", pk=delivery.endpoint_id)
