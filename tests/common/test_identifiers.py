from datetime import date

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.identifiers import (
    USCC_ALPHABET,
    IdentifierError,
    mask_document,
    mask_document_sql,
    resident_id_check_character,
    resident_id_parse,
    uscc_check_character,
    uscc_normalise,
)

# A real published example: the GB 11643 worked example 11010519491231002X.
KNOWN_RESIDENT_ID = "11010519491231002X"


def test_known_resident_id_parses_with_sex_and_birth_date():
    parsed = resident_id_parse(KNOWN_RESIDENT_ID.lower())
    assert parsed.number == KNOWN_RESIDENT_ID  # lower-case x stored upper-case
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.sex == "F"  # sequence 002 is even


def test_wrong_check_character_names_the_expected_one():
    with pytest.raises(IdentifierError) as err:
        resident_id_parse("110105194912310021")
    assert err.value.code == "check_character"
    assert err.value.expected == "X"


def test_impossible_birth_date_is_refused():
    first17 = "11010519490231002"  # 31 February
    with pytest.raises(IdentifierError) as err:
        resident_id_parse(first17 + resident_id_check_character(first17))
    assert err.value.code == "birth_date"


digits17 = st.text(alphabet="0123456789", min_size=3, max_size=3)
birth_dates = st.dates(min_value=date(1930, 1, 1), max_value=date(2025, 12, 31))


@given(region=st.sampled_from(["110105", "310101", "440305", "510104"]), born=birth_dates, seq=digits17)
def test_every_generated_resident_id_round_trips(region, born, seq):
    first17 = f"{region}{born:%Y%m%d}{seq}"
    parsed = resident_id_parse(first17 + resident_id_check_character(first17))
    assert parsed.birth_date == born
    assert parsed.sex == ("M" if int(seq[-1]) % 2 else "F")


@given(born=birth_dates, seq=digits17, wrong=st.sampled_from("0123456789X"))
def test_any_other_check_character_is_refused(born, seq, wrong):
    first17 = f"310101{born:%Y%m%d}{seq}"
    right = resident_id_check_character(first17)
    if wrong == right:
        return
    with pytest.raises(IdentifierError) as err:
        resident_id_parse(first17 + wrong)
    assert err.value.expected == right


uscc_body = st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17)


@given(body=uscc_body)
def test_uscc_with_its_check_character_is_accepted(body):
    code = body + uscc_check_character(body)
    assert uscc_normalise(code.lower()) == code


@given(body=uscc_body, wrong=st.sampled_from(USCC_ALPHABET))
def test_uscc_with_another_check_character_is_refused_unless_overridden(body, wrong):
    right = uscc_check_character(body)
    if wrong == right:
        return
    with pytest.raises(IdentifierError) as err:
        uscc_normalise(body + wrong)
    assert err.value.expected == right
    assert uscc_normalise(body + wrong, allow_bad_check=True) == body + wrong


def test_known_uscc_passes():
    # The code commonly printed as the GB 32100 example.
    assert uscc_normalise("91350100m000100y43") == "91350100M000100Y43"


@pytest.mark.parametrize("bad", ["9135010OM000100Y43", "91350100M000100Y4", "91350100M000100V43"])
def test_uscc_outside_the_alphabet_or_length_is_a_format_error(bad):
    with pytest.raises(IdentifierError) as err:
        uscc_normalise(bad)
    assert err.value.code == "format"


def test_masking_keeps_first_six_and_last_four():
    assert mask_document(KNOWN_RESIDENT_ID) == "110105********002X"
    assert mask_document("E12345678") == "E1*******"


# Resident ids, passports, Hong Kong and Macao permits, and any text a number column may hold.
document_numbers = st.one_of(st.text(alphabet="0123456789X", max_size=20), st.text(max_size=30)).map(
    lambda text: text.replace("\x00", ""))


@pytest.mark.django_db
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=document_numbers)
def test_masking_is_the_same_in_sql_and_in_python(number):
    """The statements mask the number in SQL (statements/snapshot.py), the API and admin in Python."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {mask_document_sql('%(number)s::text')}", {"number": number})
        assert cursor.fetchone()[0] == mask_document(number)
