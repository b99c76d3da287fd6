"""Valid identifiers for tests, computed with the check rules under test only where stated."""

import random
from datetime import date

from common.identifiers import USCC_ALPHABET, resident_id_check_character, uscc_check_character


def resident_id(region: str = "310101", born: date = date(1990, 5, 17), seq: int = 123) -> str:
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + resident_id_check_character(first17)


def uscc(seed: int = 1) -> str:
    rng = random.Random(seed)
    body = "91" + "310101" + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    return body + uscc_check_character(body)
