"""Billing's scheduled work: thin tasks over the ledger and month-close services."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from billing.invoices_close import billing_month_close
from billing.ledger import month_start
from billing.ledger_services import usage_snapshot_take


@shared_task(autoretry_for=(Exception,), retry_backoff=60, retry_jitter=True, max_retries=5)
def snapshot_usage() -> int:
    """Yesterday's closing position (the beat runs it just after midnight); safe to run twice."""
    return usage_snapshot_take(day=timezone.localdate() - timedelta(days=1))


@shared_task(autoretry_for=(Exception,), retry_backoff=300, retry_jitter=True, max_retries=5)
def close_previous_month() -> str:
    """Draft last month's invoices and statements for finance to review; issuing is a person's
    decision, never the beat's."""
    last_month = month_start(month_start(timezone.localdate()) - timedelta(days=1))
    return billing_month_close(month=last_month, actor=None).message
