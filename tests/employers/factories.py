from datetime import date

import factory

from employers.models import Employer
from tests.agency.factories import RegionFactory
from tests.ids import uscc


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employer

    uscc = factory.Sequence(lambda n: uscc(seed=n + 1000))
    name = factory.Sequence(lambda n: f"上海测试有限公司{n}")
    kind = "enterprise"
    region = factory.SubFactory(RegionFactory)
    established_on = date(2015, 3, 1)
    registration_status = "registered"
    registration_number = factory.Sequence(lambda n: f"R{n:08d}")
    registered_on = date(2015, 3, 20)
