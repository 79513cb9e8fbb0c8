"""The commercial pages of the networks, mounted apart from the SE registry's mno/urls.py."""

from django.urls import path

from mno import commercial_views

app_name = "networks"

urlpatterns = [
    path("", commercial_views.NetworkList.as_view(), name="list"),
    path("ours/", commercial_views.our_network, name="ours"),
    path("<int:pk>/", commercial_views.network_detail, name="detail"),
]
