from django.apps import AppConfig


class KeystoreConfig(AppConfig):
    name = "enstream.keystore"
    label = "keystore"
