from django.urls import path

from enstream.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.endpoint_list, name="list"),
    path("new/", views.endpoint_create, name="create"),
    path("<uuid:pk>/", views.endpoint_detail, name="detail"),
    path("<uuid:pk>/rotate/", views.endpoint_rotate, name="rotate"),
    path("<uuid:pk>/toggle/", views.endpoint_toggle, name="toggle"),
    path("<uuid:pk>/delete/", views.endpoint_delete, name="delete"),
    path("deliveries/<int:pk>/resend/", views.delivery_resend, name="resend"),
]
