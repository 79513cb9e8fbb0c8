from typing import Any

from django.http import HttpRequest

from enstream.accounts.roles import Perm
from enstream.audit.models import AUDIT_VIEWED, AuditEntry
from enstream.portal.dashboard import dashboard_panel

RECENT = 8


@dashboard_panel(
    title="Recent activity",
    template="audit/panels/recent.html",
    perm=Perm.AUDIT_VIEW,
    order=90,
    wide=True,
)
def recent_activity_panel(request: HttpRequest) -> dict[str, Any]:
    entries = (
        AuditEntry.objects.for_user(request.user)
        .exclude(action=AUDIT_VIEWED)
        .select_related("organisation")[:RECENT]
    )
    return {"entries": entries}
