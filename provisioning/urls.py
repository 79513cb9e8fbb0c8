from django.urls import path

from provisioning import views

app_name = "provisioning"

urlpatterns = [
    path("credentials/", views.credential_list, name="credential_list"),
    path("credentials/<uuid:pk>/", views.credential_detail, name="credential_detail"),
    path(
        "credentials/<uuid:pk>/suspend/",
        views.credential_action,
        {"action": "suspend"},
        name="credential_suspend",
    ),
    path(
        "credentials/<uuid:pk>/resume/",
        views.credential_action,
        {"action": "resume"},
        name="credential_resume",
    ),
    path(
        "credentials/<uuid:pk>/delete/",
        views.credential_action,
        {"action": "delete"},
        name="credential_delete",
    ),
    path("jobs/", views.jobs_board_page, name="jobs_board"),
    path("jobs/board.json", views.jobs_board_data, name="jobs_board_data"),
    path("jobs/diagnostics/", views.diagnostics, name="diagnostics"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<uuid:pk>/retry/", views.job_action, {"action": "retry"}, name="job_retry"),
    path("jobs/<uuid:pk>/cancel/", views.job_action, {"action": "cancel"}, name="job_cancel"),
]
