import factory
from django.contrib.auth.models import Group, User

from agency.models import ClerkProfile, Office, Region


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{310100 + n * 100:06d}")
    name = factory.Sequence(lambda n: f"Region {n}")
    province = "Shanghai"


def terms_set(region: Region, model, **values):
    """A region's terms of one app (employers.RegistrationTerms, insured.StaffingTerms, ...), as a
    superuser sets them on the region's page."""
    return model.objects.update_or_create(region=region, defaults=values)[0]


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office

    name = factory.Sequence(lambda n: f"Office {n}")
    region = factory.SubFactory(RegionFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-1")


def clerk_user(office: Office, *, groups=("clerk",), username: str | None = None) -> User:
    user = UserFactory(username=username or f"clerk-{office.pk}-{User.objects.count()}", is_staff=True)
    ClerkProfile.objects.create(user=user, office=office)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user
