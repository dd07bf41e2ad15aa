"""French vocabularies (from Faker's fr_FR locale) and vectorised string helpers."""

from __future__ import annotations

import unicodedata
from functools import cache

import numpy as np
import numpy.typing as npt
from faker.providers.person.fr_FR import Provider as FrenchPerson

StringArray = npt.NDArray[np.str_]


def strip_accents(text: str) -> str:
    """'Hélène' -> 'Helene': what people and email addresses do to French names."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def email_part(name: str) -> str:
    """The form a name takes in an email address: no accents, lower case, no blanks."""
    return strip_accents(name).lower().replace(" ", "-").replace("'", "")


@cache
def first_names() -> StringArray:
    # Sorted so that the vocabulary, hence the simulation, never depends on Faker's list order.
    names = set(FrenchPerson.first_names_male) | set(FrenchPerson.first_names_female)
    return np.array(sorted(names))


@cache
def last_names() -> StringArray:
    return np.array(sorted(set(FrenchPerson.last_names)))


def mapped(vocabulary: StringArray, function: object) -> StringArray:
    """Apply a str -> str function to each word of a (small) vocabulary once."""
    assert callable(function)
    return np.array([function(word) for word in vocabulary.tolist()])


EMAIL_DOMAINS = np.array(
    ["gmail.com", "orange.fr", "free.fr", "outlook.fr", "yahoo.fr", "hotmail.fr", "sfr.fr"]
)
# The CRM's prospects and personal addresses use domains the App's users never have, so that a
# prospect never matches a freelancer by email by accident.
OTHER_EMAIL_DOMAINS = np.array(["laposte.net", "proton.me", "icloud.com"])
CLIENT_SUFFIXES = np.array(
    ["SAS", "SARL", "SA", "Conseil", "Industries", "Groupe", "Digital", "et Associés", "Services"]
)
