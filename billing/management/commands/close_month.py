"""`close_month 2026-11`: draft (or refresh) the month's invoices and statements and print them;
`close_month 2026-11 --issue --revision N`: issue the revision finance reviewed."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from billing.invoices import Invoice
from billing.invoices_close import CloseResult, billing_month_close, billing_month_issue
from billing.settlements import Settlement
from enstream.accounts.models import User
from enstream.accounts.roles import Perm, has_perm
from issuers.errors import CommercialError


def parse_month(value: str) -> date:
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a month: write it as YYYY-MM, e.g. 2026-11.") from exc


class Command(BaseCommand):
    help = "Close a billing month: draft its invoices and statements, or issue a reviewed revision."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("month", help="YYYY-MM")
        parser.add_argument("--issue", action="store_true", help="Issue the drafts.")
        parser.add_argument("--revision", type=int, help="The revision you reviewed (--issue).")
        parser.add_argument(
            "--as",
            dest="email",
            help="The finance user who issues (audited); a close without it runs as the system.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        month = parse_month(options["month"])
        actor = self._actor(options["email"])
        try:
            if options["issue"]:
                if actor is None or options["revision"] is None:
                    raise CommandError("--issue needs --as <finance email> and --revision N.")
                result = billing_month_issue(month=month, actor=actor, revision=options["revision"])
            else:
                result = billing_month_close(month=month, actor=actor)
        except CommercialError as error:
            raise CommandError(error.message) from error
        self._print(result)

    def _actor(self, email: str | None) -> User | None:
        if email is None:
            return None
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None or not has_perm(user, Perm.BILLING_CLOSE):
            raise CommandError(f"{email} is not an active user allowed to close billing months.")
        return user

    def _print(self, result: CloseResult) -> None:
        self.stdout.write(result.message)
        if result.outcome == "already_issued":
            return
        for invoice in Invoice.objects.filter(month=result.month).select_related("issuer"):
            self.stdout.write(
                f"  invoice {invoice.number or 'draft':<12} {invoice.issuer.legal_name:<40} "
                f"subtotal {invoice.subtotal:>12,} {invoice.tax_label or 'tax':>4} "
                f"{invoice.tax_amount:>10,} total {invoice.total:>12,} {invoice.currency}"
            )
        for statement in Settlement.objects.filter(month=result.month).select_related("mno"):
            self.stdout.write(
                f"  statement {statement.number or 'draft':<10} {statement.mno.name:<40} "
                f"owed {statement.total:>12,} {statement.currency}"
            )
        for problem in result.problems:
            self.stdout.write(self.style.WARNING(f"  problem: {problem}"))
        if result.outcome in ("drafted", "refreshed", "unchanged", "changed"):
            self.stdout.write(
                f"Review, then: manage.py close_month {result.month:%Y-%m} --issue "
                f"--revision {result.revision} --as <finance email>"
            )
