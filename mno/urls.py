from django.urls import path

from mno import views

app_name = "mno"

urlpatterns = [
    path("secure-elements/", views.SecureElementListView.as_view(), name="se_list"),
    path("secure-elements/<int:pk>/", views.SecureElementDetailView.as_view(), name="se_detail"),
    path("secure-elements/import/", views.se_import, name="se_import"),
    path(
        "secure-elements/import/<str:token>/rejected.csv",
        views.se_import_report,
        name="se_import_report",
    ),
    path("simulation/", views.network_list, name="network_list"),
    path("simulation/<int:pk>/", views.network_simulation, name="network_simulation"),
]
