from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from enstream.api.views import api_not_found

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("enstream.accounts.urls")),
    path("api/v1/", include("enstream.api.urls")),
    path("audit/", include("enstream.audit.urls")),
    path("api-keys/", include("enstream.apikeys.urls")),
    path("webhooks/", include("enstream.webhooks.urls")),
    path("networks/", include("mno.urls")),
    # The commercial pages of the networks share the prefix; their paths do not overlap.
    path("networks/", include("mno.commercial_urls")),
    path("issuers/", include("issuers.urls")),
    path("billing/", include("billing.urls")),
    path("billing/", include("billing.report_urls")),
    path("provisioning/", include("provisioning.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="api-schema", template_name="api/redoc.html"),
        name="api-redoc",
    ),
    # Any other /api/ path answers in the API's error shape (the reference pages' own paths
    # without their slash are left to APPEND_SLASH's redirect).
    re_path(r"^api/(?!(?:schema|docs|redoc)$)", api_not_found, name="api-not-found"),
    path("", include("enstream.portal.urls")),
]
