"""The credential endpoints that are not viewsets; enstream/api/urls.py includes them next to
the router's (which registers CredentialViewSet and JobViewSet)."""

from django.urls import URLPattern, path

from provisioning.api.views import EligibilityView

urlpatterns: list[URLPattern] = [
    path("eligibility", EligibilityView.as_view(), name="eligibility"),
]
