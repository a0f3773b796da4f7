"""Addresses as people type them, one kind of noise at a time: no database."""

import numpy as np
import pandas as pd

from geocrm.demo import NOISE_KINDS, typed_address
from geocrm.demo.addresses import address_texts, typed_addresses


def _typed(kind: str, street="Mannerheimintie", street_sv="Mannerheimvägen", seed=0) -> str:
    return typed_address(street, street_sv, "12", "Helsinki", kind, np.random.default_rng(seed))


def test_each_kind_of_noise_types_the_address_its_way():
    assert _typed("clean") == "Mannerheimintie 12, Helsinki"
    assert _typed("lower_case") == "mannerheimintie 12, helsinki"
    assert _typed("no_diacritics", street="Töölöntori") == "Toolontori 12"
    assert _typed("abbreviation", street="Aleksanterinkatu") == "Aleksanterink. 12"
    assert _typed("swedish_name") == "Mannerheimvägen 12, Helsingfors"
    assert _typed("number_first") == "12 Mannerheimintie"
    assert _typed("extra_punctuation") == "  Mannerheimintie,  12 ,Helsinki. "
    assert _typed("apartment_suffix").startswith("Mannerheimintie 12 ")
    # a street without a Swedish name is typed clean
    assert _typed("swedish_name", street_sv=None) == "Mannerheimintie 12, Helsinki"


def _one_slip(typed: str, real: str) -> bool:
    """Whether ``typed`` is ``real`` with one letter dropped, doubled or swapped."""
    if len(typed) == len(real) - 1:
        return any(real[:i] + real[i + 1 :] == typed for i in range(len(real)))
    if len(typed) == len(real) + 1:
        return any(real[:i] + real[i] + real[i:] == typed for i in range(len(real)))
    swaps = [real[:i] + real[i + 1] + real[i] + real[i + 2 :] for i in range(len(real) - 1)]
    return len(typed) == len(real) and typed in swaps


def test_a_typo_is_one_slip_of_the_finger():
    real = "Mannerheimintie"
    typed = [_typed("typo", seed=seed).removesuffix(" 12") for seed in range(20)]
    assert all(_one_slip(t, real) and t[0] == "M" for t in typed)
    # swapping the two n's of "Mannerheimintie" leaves it as it was; most slips show
    assert sum(t != real for t in typed) >= 15


def test_clean_addresses_and_streets_that_do_not_exist():
    pool = pd.DataFrame(
        {
            "street": ["Bulevardi", "Kaivokatu"],
            "housenumber": ["5", "8"],
            "postcode": ["00120", None],
            "city": ["Helsinki", None],
        }
    )
    assert address_texts(pool).tolist() == ["Bulevardi 5, 00120 Helsinki", "Kaivokatu 8"]
    customers = pool.assign(street_sv=None, noise=["nonexistent", "clean"])
    typed = typed_addresses(customers, np.random.default_rng(1))
    assert not typed[0].startswith("Bulevardi")
    assert typed[0].rsplit(" ", 1)[0].endswith(("katu", "tie", "kuja"))
    # no city on the row: the generator types the city it is in
    assert typed[1] == "Kaivokatu 8, Helsinki"
    assert set(NOISE_KINDS) >= {"clean", "nonexistent", "typo"}
