from datetime import date

import factory

from insured.models import InsuredPerson
from tests.agency.factories import RegionFactory
from tests.ids import resident_id


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InsuredPerson

    document_number = factory.Sequence(lambda n: resident_id(seq=(n % 999) + 1, born=date(1970 + n // 999 % 40, 1, 1 + n // 40000 % 28)))
    name = factory.Sequence(lambda n: f"张{n}")
    sex = factory.LazyAttribute(lambda o: "M" if int(o.document_number[16]) % 2 else "F")
    birth_date = factory.LazyAttribute(lambda o: date(int(o.document_number[6:10]), int(o.document_number[10:12]),
                                                      int(o.document_number[12:14])))
    region = factory.SubFactory(RegionFactory)
