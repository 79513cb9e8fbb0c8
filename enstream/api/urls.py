"""The /api/v1/ router. Each app registers its viewsets here, under plural nouns."""

from rest_framework.routers import SimpleRouter

from billing.api.views import PricePlanViewSet
from enstream.webhooks.api.views import WebhookEndpointViewSet
from issuers.api.views import AllocationViewSet, NetworkLineViewSet, ResaleAgreementViewSet

router = SimpleRouter(trailing_slash=False)
router.register("agreements", ResaleAgreementViewSet, basename="agreement")
router.register("network-lines", NetworkLineViewSet, basename="network-line")
router.register("allocations", AllocationViewSet, basename="allocation")
router.register("price-plans", PricePlanViewSet, basename="price-plan")
router.register("webhooks", WebhookEndpointViewSet, basename="webhook-endpoint")

urlpatterns = router.urls
