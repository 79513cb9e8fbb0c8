import logging

from celery import shared_task

from enstream.audit.chain import verify_chain

logger = logging.getLogger(__name__)


@shared_task(name="enstream.audit.tasks.verify_audit_chain")
def verify_audit_chain() -> dict[str, object]:
    """The nightly walk of the audit chain; a break is logged at ERROR for alerting."""
    report = verify_chain()
    if report.ok:
        logger.info("audit chain intact: %s entries", report.count)
    else:
        logger.error(
            "audit chain BROKEN at entry #%s (id %s): %s",
            report.broken_seq,
            report.broken_pk,
            report.reason,
        )
    return {"ok": report.ok, "count": report.count, "broken_seq": report.broken_seq}
