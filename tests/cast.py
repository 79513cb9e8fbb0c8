"""The fixed cast every access test uses.

EnStream staff of every role; two issuers (Maple Bank, Prairie Credit Union) with an admin
and a viewer each; an MNO (Northwind Mobile) with a viewer; and an outsider from a third
issuer who must see nothing of anyone else's.
"""

from dataclasses import dataclass

from enstream.accounts.models import Organisation, User
from enstream.accounts.roles import OrgKind, Role

PASSWORD = "correct horse battery staple"


@dataclass
class Cast:
    enstream: Organisation
    maple: Organisation
    prairie: Organisation
    northwind: Organisation
    outsider_org: Organisation
    enstream_admin: User
    account_manager: User
    operations: User
    finance: User
    maple_admin: User
    maple_operator: User
    maple_viewer: User
    prairie_admin: User
    prairie_viewer: User
    northwind_viewer: User
    outsider: User


def build_cast() -> Cast:
    def org(name: str, slug: str, kind: str) -> Organisation:
        return Organisation.objects.create(name=name, slug=slug, kind=kind)

    def user(email: str, organisation: Organisation, role: str) -> User:
        return User.objects.create_user(
            email, PASSWORD, organisation=organisation, role=role, full_name=email.split("@")[0]
        )

    enstream = org("EnStream", "enstream", OrgKind.ENSTREAM)
    maple = org("Maple Bank", "maple", OrgKind.ISSUER)
    prairie = org("Prairie Credit Union", "prairie", OrgKind.ISSUER)
    northwind = org("Northwind Mobile", "northwind", OrgKind.MNO)
    outsider_org = org("Outsider Bank", "outsider", OrgKind.ISSUER)
    return Cast(
        enstream=enstream,
        maple=maple,
        prairie=prairie,
        northwind=northwind,
        outsider_org=outsider_org,
        enstream_admin=user("alice@enstream.example", enstream, Role.ENSTREAM_ADMIN),
        account_manager=user("amir@enstream.example", enstream, Role.ACCOUNT_MANAGER),
        operations=user("olga@enstream.example", enstream, Role.OPERATIONS),
        finance=user("fred@enstream.example", enstream, Role.FINANCE),
        maple_admin=user("mia@maple.example", maple, Role.ISSUER_ADMIN),
        maple_operator=user("omar@maple.example", maple, Role.ISSUER_OPERATOR),
        maple_viewer=user("vic@maple.example", maple, Role.ISSUER_VIEWER),
        prairie_admin=user("pat@prairie.example", prairie, Role.ISSUER_ADMIN),
        prairie_viewer=user("val@prairie.example", prairie, Role.ISSUER_VIEWER),
        northwind_viewer=user("nina@northwind.example", northwind, Role.MNO_VIEWER),
        outsider=user("oscar@outsider.example", outsider_org, Role.ISSUER_ADMIN),
    )
