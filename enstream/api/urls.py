"""The /api/v1/ router. Each app registers its viewsets here, under plural nouns."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from billing.api.usage import UsageView
from billing.api.views import PricePlanViewSet
from enstream.webhooks.api.views import WebhookEndpointViewSet
from issuers.api.views import AllocationViewSet, NetworkLineViewSet, ResaleAgreementViewSet
from provisioning.api.urls import urlpatterns as provisioning_urls
from provisioning.api.views import CredentialViewSet, JobViewSet

router = SimpleRouter(trailing_slash=False)
router.register("agreements", ResaleAgreementViewSet, basename="agreement")
router.register("network-lines", NetworkLineViewSet, basename="network-line")
router.register("allocations", AllocationViewSet, basename="allocation")
router.register("price-plans", PricePlanViewSet, basename="price-plan")
router.register("webhooks", WebhookEndpointViewSet, basename="webhook-endpoint")
router.register("credentials", CredentialViewSet, basename="credential")
router.register("jobs", JobViewSet, basename="job")

urlpatterns = [
    *router.urls,
    *provisioning_urls,
    path("usage", UsageView.as_view(), name="usage"),
]
