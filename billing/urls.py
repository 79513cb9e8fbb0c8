"""Billing pages. The price-plan pages are here; the ledger and invoices will join them."""

from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("price-plans/", views.PricePlanList.as_view(), name="price_plan_list"),
    path("price-plans/new/", views.price_plan_create_view, name="price_plan_create"),
    path("price-plans/example/", views.price_plan_example_view, name="price_plan_example"),
    path("price-plans/<int:pk>/", views.price_plan_detail, name="price_plan_detail"),
    path(
        "price-plans/<int:pk>/versions/new/",
        views.price_plan_new_version_view,
        name="price_plan_new_version",
    ),
]
