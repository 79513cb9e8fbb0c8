from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from enstream.accounts.forms import AuditedSetPasswordForm, RateLimitedPasswordResetForm
from enstream.accounts.views import account, invitations, login, second_factor, users

app_name = "accounts"

urlpatterns = [
    path("login/", login.login_view, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("second-factor/", second_factor.second_factor, name="second_factor"),
    path("second-factor/backup-code/", second_factor.backup_code, name="backup_code"),
    path("second-factor/enrol/", second_factor.enrol, name="enrol"),
    path("account/", account.account, name="account"),
    path("users/", users.users, name="users"),
    path("users/invite/", users.user_invite_view, name="user_invite"),
    path("users/<int:pk>/", users.user_edit, name="user_edit"),
    path("invitations/<int:pk>/revoke/", users.invitation_revoke_view, name="invitation_revoke"),
    path(
        "invitations/<str:token>/",
        invitations.invitation_accept_view,
        name="invitation_accept",
    ),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            form_class=RateLimitedPasswordResetForm,
            template_name="accounts/password_reset.html",
            email_template_name="accounts/email/password_reset.txt",
            subject_template_name="accounts/email/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            form_class=AuditedSetPasswordForm,
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
