"""French vocabularies (from Faker's fr_FR locale) and the forms names take.

Vocabularies are small (a few hundred words): every form of a word (without accents, in upper
case, as in an email address) is computed once per word, and rows only pick words by index, so
that building millions of names costs one Arrow `take`, not a string operation per row.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import cache

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from faker.providers.person.fr_FR import Provider as FrenchPerson

Indexes = npt.NDArray[np.int64]


def strip_accents(text: str) -> str:
    """'Hélène' -> 'Helene': what people and email addresses do to French names."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def email_part(name: str) -> str:
    """The form a name takes in an email address: no accents, lower case, no blanks."""
    return strip_accents(name).lower().replace(" ", "-").replace("'", "")


@cache
def first_names() -> tuple[str, ...]:
    # Sorted so that the vocabulary, hence the simulation, never depends on Faker's list order.
    return tuple(sorted(set(FrenchPerson.first_names_male) | set(FrenchPerson.first_names_female)))


@cache
def last_names() -> tuple[str, ...]:
    return tuple(sorted(set(FrenchPerson.last_names)))


def words(vocabulary: tuple[str, ...], form: Callable[[str], str] = str) -> pa.StringArray:
    """One form of every word of a vocabulary, as an Arrow array to `take` from."""
    return pa.array([form(word) for word in vocabulary], pa.string())


def pick(vocabulary: pa.Array, indexes: Indexes) -> pa.StringArray:
    return vocabulary.take(pa.array(indexes))


EMAIL_DOMAINS = (
    "gmail.com",
    "orange.fr",
    "free.fr",
    "outlook.fr",
    "yahoo.fr",
    "hotmail.fr",
    "sfr.fr",
)
# The CRM's prospects and personal addresses use domains the App's users never have, so that a
# prospect never matches a freelancer by email by accident.
OTHER_EMAIL_DOMAINS = ("laposte.net", "proton.me", "icloud.com")
CLIENT_SUFFIXES = (
    "SAS",
    "SARL",
    "SA",
    "Conseil",
    "Industries",
    "Groupe",
    "Digital",
    "et Associés",
    "Services",
)
