from django.urls import path

from issuers.views import agreements, allocations, issuers

app_name = "issuers"

urlpatterns = [
    path("", issuers.IssuerList.as_view(), name="list"),
    path("new/", issuers.issuer_create, name="create"),
    path("<int:pk>/", issuers.issuer_detail, name="detail"),
    path("<int:pk>/status/", issuers.issuer_transition, name="transition"),
    path("<int:pk>/agreements/new/", agreements.agreement_create, name="agreement_create"),
    path("agreements/", agreements.AgreementList.as_view(), name="agreement_list"),
    path("agreements/ours/", agreements.our_agreement, name="our_agreement"),
    path("agreements/<int:pk>/", agreements.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/edit/", agreements.agreement_edit, name="agreement_edit"),
    path("agreements/<int:pk>/sign/", agreements.agreement_sign, name="agreement_sign"),
    path("agreements/<int:pk>/activate/", agreements.agreement_activate, name="agreement_activate"),
    path("agreements/<int:pk>/end/", agreements.agreement_end, name="agreement_end"),
    path("agreements/<int:pk>/lines/", agreements.line_add, name="line_add"),
    path("lines/<int:pk>/phase-in/", agreements.line_phase_in, name="line_phase_in"),
    path("lines/<int:pk>/reschedule/", agreements.line_reschedule, name="line_reschedule"),
    path("lines/<int:pk>/withdraw/", agreements.line_withdraw, name="line_withdraw"),
    path("space/", allocations.AllocationList.as_view(), name="allocation_list"),
    path("space/request/", allocations.allocation_request, name="allocation_request"),
    path("space/approvals/", allocations.ApprovalQueue.as_view(), name="approvals"),
    path("space/<int:pk>/", allocations.allocation_detail, name="allocation_detail"),
    path("space/<int:pk>/approve/", allocations.allocation_approve, name="allocation_approve"),
    path("space/<int:pk>/reject/", allocations.allocation_reject, name="allocation_reject"),
    path("space/<int:pk>/revoke/", allocations.allocation_revoke, name="allocation_revoke"),
    path("space/<int:pk>/cancel/", allocations.allocation_cancel, name="allocation_cancel"),
]
