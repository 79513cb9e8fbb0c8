from django.urls import path

from billing import invoice_views, report_views

app_name = "billing_reports"

urlpatterns = [
    path("reports/", report_views.report_home, name="reports"),
    path("reports/issuers/<int:pk>/", report_views.issuer_report_view, name="issuer_report"),
    path("reports/networks/<int:pk>/", report_views.mno_report_view, name="mno_report"),
    path("invoices/", invoice_views.InvoiceList.as_view(), name="invoices"),
    path("invoices/<int:pk>/", invoice_views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/pdf/", invoice_views.invoice_pdf_download, name="invoice_pdf"),
    path("invoices/<int:pk>/csv/", invoice_views.invoice_csv_download, name="invoice_csv"),
    path("invoices/<int:pk>/credit/", invoice_views.credit_note_create, name="credit_note_create"),
    path(
        "credit-notes/<int:pk>/pdf/", invoice_views.credit_note_pdf_download, name="credit_note_pdf"
    ),
    path("settlements/", invoice_views.SettlementList.as_view(), name="settlements"),
    path("settlements/<int:pk>/", invoice_views.settlement_detail, name="settlement_detail"),
    path("settlements/<int:pk>/pdf/", invoice_views.settlement_pdf_download, name="settlement_pdf"),
    path("settlements/<int:pk>/csv/", invoice_views.settlement_csv_download, name="settlement_csv"),
    path("close/", invoice_views.month_close, name="month_close"),
    path("profiles/", invoice_views.billing_profiles, name="billing_profiles"),
]
