"""The mno app's Celery tasks (Celery's autodiscovery imports this module)."""

from mno.ota.tasks import deliver_simulated

__all__ = ["deliver_simulated"]
