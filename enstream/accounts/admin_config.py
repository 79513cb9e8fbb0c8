"""Installs EnStreamAdminSite as the admin's default site. Kept apart from admin_site.py
because Django loads app configs before any model can be imported."""

from django.contrib.admin.apps import AdminConfig


class EnStreamAdminConfig(AdminConfig):
    default_site = "enstream.accounts.admin_site.EnStreamAdminSite"
