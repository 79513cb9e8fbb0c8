from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from enstream.accounts.roles import OrgKind
from enstream.portal.dashboard import panels_for
from enstream.portal.health import health_report


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    organisation = request.user.organisation  # type: ignore[union-attr]
    heading = "EnStream operations" if organisation.kind == OrgKind.ENSTREAM else organisation.name
    return render(
        request, "portal/dashboard.html", {"heading": heading, "panels": panels_for(request)}
    )


@require_safe
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    report = health_report()
    return JsonResponse(report.as_json(), status=report.http_status)
