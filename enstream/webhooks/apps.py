from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "enstream.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
