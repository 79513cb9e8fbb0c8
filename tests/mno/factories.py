from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from enstream.accounts.models import Organisation
from enstream.accounts.roles import OrgKind
from mno.models import MNO, MnoStatus, NetworkCode, WholesaleAgreement


class MnoOrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Network {n}")
    slug = factory.Sequence(lambda n: f"network-{n}")
    kind = OrgKind.MNO


class MnoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MNO
        skip_postgeneration_save = True

    organisation = factory.SubFactory(MnoOrganisationFactory)
    name = factory.LazyAttribute(lambda o: o.organisation.name)
    short_code = factory.Sequence(lambda n: f"N{n:03d}")
    status = MnoStatus.LIVE
    contacts = factory.LazyFunction(
        lambda: [{"name": "NOC", "role": "NOC 24/7", "email": "noc@network.example", "phone": ""}]
    )

    @factory.post_generation
    def plmn(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        if create:
            NetworkCode.objects.create(mno=self, mcc="302", mnc=extracted or f"{self.pk % 900:03d}")


class WholesaleAgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WholesaleAgreement

    mno = factory.SubFactory(MnoFactory)
    reference = factory.Sequence(lambda n: f"WA-{n:04d}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=365))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=3 * 365))
    capacity_ssds = 10_000
    capacity_bytes = 10_000 * 40_000
    price_per_active_ssd_month = Decimal("0.0800")
    price_per_ota_operation = Decimal("0.0150")
    price_per_credential_provisioned = Decimal("0.3500")
