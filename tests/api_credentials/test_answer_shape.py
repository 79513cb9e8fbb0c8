"""A credential's answer is written out by hand for speed; it must stay exactly what its
declared fields (the ones OpenAPI describes) give through DRF's generic path."""

from datetime import timedelta

from django.utils import timezone
from rest_framework import serializers

from mno.models import SecureElement
from provisioning.api.serializers import CredentialSerializer, JobSummarySerializer
from provisioning.models import Credential, CredentialState, Job
from tests.api_credentials.conftest import Keys, Provision


def _generic(serializer: serializers.ModelSerializer, instance: object) -> dict:
    return dict(serializers.ModelSerializer.to_representation(serializer, instance))


def _both_ways(credential: Credential) -> tuple[dict, dict]:
    serializer = CredentialSerializer(credential)
    return dict(serializer.data), _generic(serializer, credential)


def test_a_new_credential_with_its_job_answers_as_its_declared_fields_say(
    provision: Provision, keys: Keys, live_se: SecureElement
) -> None:
    created = provision(keys.live, live_se.msisdn).json()
    credential = Credential.objects.select_related("se__mno").get(pk=created["id"])
    job = Job.objects.get(credential=credential)
    credential.recent_jobs = [job]  # type: ignore[attr-defined]
    fast, generic = _both_ways(credential)
    assert fast == generic
    assert list(fast) == list(generic)
    assert dict(JobSummarySerializer(job).data) == _generic(JobSummarySerializer(job), job)


def test_a_failed_suspended_credential_without_jobs_answers_the_same_both_ways(
    provision: Provision, keys: Keys, live_se: SecureElement
) -> None:
    created = provision(keys.live, live_se.msisdn).json()
    now = timezone.now()
    Credential.objects.filter(pk=created["id"]).update(
        state=CredentialState.FAILED,
        reason_code="se_memory_full",
        reason="",
        activated_at=now - timedelta(days=2),
        suspended_at=now - timedelta(days=1),
        failed_at=now,
        token_reference="",
    )
    credential = Credential.objects.select_related("se__mno").get(pk=created["id"])
    credential.recent_jobs = []  # type: ignore[attr-defined]
    fast, generic = _both_ways(credential)
    assert fast == generic
    assert fast["reason"]["code"] == "se_memory_full"
    assert fast["job"] is None
