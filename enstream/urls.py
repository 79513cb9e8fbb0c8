from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("enstream.accounts.urls")),
    path("api/v1/", include("enstream.api.urls")),
    path("audit/", include("enstream.audit.urls")),
    path("", include("enstream.portal.urls")),
]
