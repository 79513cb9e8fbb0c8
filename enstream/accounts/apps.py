from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "enstream.accounts"
    label = "accounts"
    verbose_name = "Organisations and users"
