"""The simulated CRM: the freelancers as the Sales and Care teams typed them, with their scores.

The CRM does not know the App's ids: it knows people by name and email, typed by hand. Rows differ
from the App in case, accents and white space; some names carry a typo, are swapped (first name in
the last-name field) or are missing; some people were entered twice, some gave a personal email
(instead of, or besides, the App's), some rows have no email, and some rows are prospects the App
does not know. Whatever the noise, every freelancer keeps one way to be recognised: a row whose
name is mistyped, swapped or missing carries the App's email, and a row without the App's email
carries the name as written (up to case, accents and blanks).

Freelancers answer the satisfaction survey (0 to 10) some weeks after they enter the CRM, and
some answer again later, with a different score: `satisfaction_score` and `updated_at` are the
CRM's mutable fields. Each month's rows come from that month's own random stream (timeline.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jump.data_platform.sources.names import (
    OTHER_EMAIL_DOMAINS,
    email_part,
    first_names,
    last_names,
    pick,
    strip_accents,
    words,
)
from jump.data_platform.sources.people import People, joiners_per_month
from jump.data_platform.sources.timeline import (
    SECONDS_PER_DAY,
    BoolArray,
    Int64Array,
    Timeline,
    random_generator,
    random_working_days,
    time_of_day,
)

DUPLICATE_SHARE = 0.03  # freelancers entered a second time, with the same email
SECOND_PERSONAL_SHARE = 0.02  # freelancers entered a second time, with a personal email
PERSONAL_EMAIL_SHARE = 0.02  # freelancers known only by a personal email: matched by name
MISSING_EMAIL_SHARE = 0.01  # rows typed without an email: matched by name
PROSPECT_SHARE = 0.05  # people the App does not know, per joiner
CAPITALIZED_EMAIL_SHARE = 0.05  # 'Jean.martin@gmail.com'
# Noise on the names of rows that carry the App's email, in this order of the draw.
NAME_NOISE_SHARES = {
    "typo_first": 0.02,
    "typo_last": 0.02,
    "swapped": 0.02,
    "no_first": 0.01,
    "no_last": 0.01,
}
NOISE = tuple(NAME_NOISE_SHARES)
# The survey: a first answer from 60 % of the freelancers 2 to 34 weeks after they enter the CRM,
# then each answer is followed by another 120 to 400 days later with a chance of 45 %.
SURVEY_WAVES = 4
FIRST_ANSWER_SHARE = 0.6
NEXT_ANSWER_SHARE = 0.45
SCORE_CHANGE_SIGMA = 1.5  # a later answer moves around the previous one
# Probabilities of the first scores 0..10: mostly satisfied, a tail of detractors.
SCORE_WEIGHTS = np.array([2, 1, 2, 2, 3, 4, 6, 12, 22, 24, 22], dtype=float) / 100
# How a name was typed: as written, without accents, in lower case, in upper case; then three
# typos of the name as written (a letter dropped, two letters swapped, a letter doubled).
CASE_FORMS = (str, strip_accents, str.lower, str.upper)


def _dropped(word: str) -> str:
    middle = len(word) // 2
    return word[:middle] + word[middle + 1 :]


def _swapped(word: str) -> str:
    middle = max(len(word) // 2, 1)
    return word[: middle - 1] + word[middle : middle + 1] + word[middle - 1] + word[middle + 1 :]


def _doubled(word: str) -> str:
    third = len(word) // 3
    return word[: third + 1] + word[third:]


TYPOS = (_dropped, _swapped, _doubled)
FORMS = CASE_FORMS + TYPOS


@dataclass(frozen=True)
class Customers:
    """Every CRM row up to the end of the as-of month, in creation order (index i: id i + 1)."""

    person: Int64Array  # the freelancer (People index), -1 for a prospect
    first_name: Int64Array  # vocabulary indexes
    last_name: Int64Array
    first_form: Int64Array  # index into FORMS
    last_form: Int64Array
    swapped: BoolArray
    no_first: BoolArray
    no_last: BoolArray
    email_kind: Int64Array  # 0 the App's, 1 personal, 2 none
    email_number: Int64Array  # personal emails: 'first.last<number>@<other domain>'
    email_domain: Int64Array
    capitalized: BoolArray
    padding: Int64Array  # (rows, 3) blanks around first, last, email: 0 none, 1 before, 2 after
    created_second: Int64Array
    answered_second: Int64Array  # (rows, SURVEY_WAVES): when each answer came; NEVER if not
    score: Int64Array  # (rows, SURVEY_WAVES)


NEVER = np.iinfo(np.int64).max // 4
FIELDS = tuple(Customers.__dataclass_fields__)


def case_forms(
    rng: np.random.Generator, size: int, bare: float, lower: float, upper: float
) -> Int64Array:
    """Which CASE_FORMS people used: a share without accents, in lower case, in upper case."""
    draw = rng.random(size)
    return np.select([draw < bare, draw < bare + lower, draw > 1 - upper], [1, 2, 3], 0)


def survey(
    rng: np.random.Generator, created: Int64Array, answers: BoolArray
) -> tuple[Int64Array, Int64Array]:
    """When each wave's answer came (NEVER if it did not) and its score."""
    size = len(created)
    answered = np.full((size, SURVEY_WAVES), NEVER, dtype=np.int64)
    score = np.zeros((size, SURVEY_WAVES), dtype=np.int64)
    day = created // SECONDS_PER_DAY + rng.integers(14, 240, size=size)
    going = answers.copy()
    score_now = rng.choice(11, p=SCORE_WEIGHTS, size=size)
    for wave in range(SURVEY_WAVES):
        when = day * SECONDS_PER_DAY + time_of_day(rng, size, 8, 22)  # answered online
        answered[:, wave] = np.where(going, when, NEVER)
        score[:, wave] = score_now
        going &= rng.random(size) < NEXT_ANSWER_SHARE
        day = day + rng.integers(120, 400, size=size)
        change = np.rint(rng.normal(0.0, SCORE_CHANGE_SIGMA, size=size)).astype(np.int64)
        score_now = np.clip(score_now + change, 0, 10)
    return answered, score


def simulate_cohort_customers(
    seed: int, scale: int, people: People, month: int
) -> dict[str, np.ndarray]:
    """The CRM rows of one month's joiners, for as long as the CRM lives."""
    rng = random_generator(seed, scale, "crm", month)
    cohort = np.arange(people.cohort(month).start, people.cohort(month).stop)
    draw = rng.random(len(cohort))
    # The first row's email: the App's, a personal one, or none.
    first_email = np.select(
        [draw < PERSONAL_EMAIL_SHARE, draw < PERSONAL_EMAIL_SHARE + MISSING_EMAIL_SHARE], [1, 2], 0
    )
    twice = cohort[rng.random(len(cohort)) < DUPLICATE_SHARE]
    # A second row with a personal email only beside a first row with the App's: a person known
    # by no App email keeps one row, found by name.
    personal_twice = cohort[(rng.random(len(cohort)) < SECOND_PERSONAL_SHARE) & (first_email == 0)]
    person = np.concatenate([cohort, twice, personal_twice])
    kind = np.repeat([0, 1, 2], [len(cohort), len(twice), len(personal_twice)])
    email_kind = np.concatenate(
        [first_email, np.zeros(len(twice), np.int64), np.ones(len(personal_twice), np.int64)]
    )
    size = len(person)

    # Freelancers enter the CRM (on a working hour) within ten days of signing up; second rows
    # up to a year later.
    days = rng.integers(0, 10, size=size) + np.where(kind > 0, rng.integers(0, 365, size=size), 0)
    signup = people.signup_second[person]
    created = np.maximum(
        (signup // SECONDS_PER_DAY + days) * SECONDS_PER_DAY + time_of_day(rng, size, 9, 18),
        signup + 3_600,
    )

    # Names are mistyped, swapped or missing only on rows that carry the App's email.
    thresholds = np.cumsum(list(NAME_NOISE_SHARES.values()))
    noise = np.searchsorted(thresholds, rng.random(size), side="right")  # len(...) for none
    noise[email_kind != 0] = len(thresholds)
    typo = rng.integers(0, len(TYPOS), size=size) + len(CASE_FORMS)
    first_form = case_forms(rng, size, bare=0.08, lower=0.05, upper=0.03)
    last_form = case_forms(rng, size, bare=0.08, lower=0.03, upper=0.15)
    answered, score = survey(rng, created, rng.random(size) < FIRST_ANSWER_SHARE)
    return {
        "person": person,
        "first_name": people.first_name[person],
        "last_name": people.last_name[person],
        "first_form": np.where(noise == NOISE.index("typo_first"), typo, first_form),
        "last_form": np.where(noise == NOISE.index("typo_last"), typo, last_form),
        "swapped": noise == NOISE.index("swapped"),
        "no_first": noise == NOISE.index("no_first"),
        "no_last": noise == NOISE.index("no_last"),
        "email_kind": email_kind,
        "email_number": rng.integers(1, 1000, size=size),
        "email_domain": rng.integers(0, len(OTHER_EMAIL_DOMAINS), size=size),
        "capitalized": rng.random(size) < CAPITALIZED_EMAIL_SHARE,
        "padding": padding(rng, size),
        "created_second": created,
        "answered_second": answered,
        "score": score,
        "tie": month * 2**33 + np.arange(size),
    }


def padding(rng: np.random.Generator, size: int) -> Int64Array:
    """Stray blanks (before or after) around a few first names, last names and emails."""
    draw = rng.random((size, 3))
    share = np.array([0.03, 0.03, 0.04])
    return np.select([draw < share / 2, draw > 1 - share / 2], [1, 2], 0)


def simulate_month_prospects(
    seed: int, scale: int, timeline: Timeline, month: int
) -> dict[str, np.ndarray]:
    """People the App does not know, entered by Sales during one month."""
    rng = random_generator(seed, scale, "prospects", month)
    size = int(rng.poisson(PROSPECT_SHARE * joiners_per_month(month, scale)))
    day = random_working_days(rng, timeline.calendar, month, size)
    no = np.zeros(size, dtype=bool)
    return {
        "person": np.full(size, -1),
        "first_name": rng.integers(0, len(first_names()), size=size),
        "last_name": rng.integers(0, len(last_names()), size=size),
        "first_form": case_forms(rng, size, bare=0.08, lower=0.05, upper=0.03),
        "last_form": case_forms(rng, size, bare=0.08, lower=0.03, upper=0.15),
        "swapped": no,
        "no_first": no,
        "no_last": no,
        "email_kind": np.ones(size, dtype=np.int64),
        "email_number": rng.integers(1, 1000, size=size),
        "email_domain": rng.integers(0, len(OTHER_EMAIL_DOMAINS), size=size),
        "capitalized": rng.random(size) < CAPITALIZED_EMAIL_SHARE,
        "padding": padding(rng, size),
        "created_second": day * SECONDS_PER_DAY + time_of_day(rng, size, 9, 18),
        "answered_second": np.full((size, SURVEY_WAVES), NEVER, dtype=np.int64),
        "score": np.zeros((size, SURVEY_WAVES), dtype=np.int64),
        "tie": month * 2**33 + 2**32 + np.arange(size),
    }


def simulate_customers(seed: int, scale: int, timeline: Timeline, people: People) -> Customers:
    """Every CRM row up to the end of the as-of month, in creation order."""
    parts = [
        part
        for month in range(timeline.months)
        for part in (
            simulate_cohort_customers(seed, scale, people, month),
            simulate_month_prospects(seed, scale, timeline, month),
        )
    ]
    fields = {name: np.concatenate([part[name] for part in parts]) for name in (*FIELDS, "tie")}
    order = np.lexsort((fields.pop("tie"), fields["created_second"]))
    return Customers(**{name: values[order] for name, values in fields.items()})


def _text(vocabulary: tuple[str, ...], word: Int64Array, form: Int64Array) -> pa.StringArray:
    every_form = pa.concat_arrays([words(vocabulary, function) for function in FORMS])
    return pick(every_form, form * len(vocabulary) + word)


def _padded(values: pa.Array, where: Int64Array) -> pa.Array:
    values = pc.if_else(pa.array(where == 1), pc.binary_join_element_wise(" ", values, ""), values)
    return pc.if_else(pa.array(where == 2), pc.binary_join_element_wise(values, "  ", ""), values)


def customers_table(customers: Customers, people: People, timeline: Timeline) -> pa.Table:
    """The `customers` table as it stands at the as-of instant."""
    cutoff = timeline.cutoff_second
    rows = np.flatnonzero(customers.created_second <= cutoff)
    c = Customers(**{name: getattr(customers, name)[rows] for name in FIELDS})
    firsts, lasts = first_names(), last_names()
    first = _text(firsts, c.first_name, c.first_form)
    last = _text(lasts, c.last_name, c.last_form)
    swapped = pa.array(c.swapped)
    first, last = pc.if_else(swapped, last, first), pc.if_else(swapped, first, last)
    first = pc.if_else(pa.array(c.no_first), pa.scalar(None, pa.string()), first)
    last = pc.if_else(pa.array(c.no_last), pa.scalar(None, pa.string()), last)

    personal = pc.binary_join_element_wise(
        pick(words(firsts, email_part), c.first_name),
        ".",
        pick(words(lasts, email_part), c.last_name),
        pa.array(c.email_number).cast(pa.string()),
        "@",
        pick(words(OTHER_EMAIL_DOMAINS), c.email_domain),
        "",  # the separator: the pieces are joined as they are
    )
    app_email = people.email.take(pa.array(np.maximum(c.person, 0)))
    email = pc.if_else(pa.array(c.email_kind == 0), app_email, personal)
    email = pc.if_else(pa.array(c.capitalized), pc.utf8_capitalize(email), email)
    email = pc.if_else(pa.array(c.email_kind == 2), pa.scalar(None, pa.string()), email)

    # The latest answer known at the as-of instant (answers come in wave order).
    known = (c.answered_second <= cutoff).sum(axis=1)
    has_score = known > 0
    latest = np.maximum(known - 1, 0)
    score = c.score[np.arange(len(rows)), latest]
    answered = c.answered_second[np.arange(len(rows)), latest]
    return pa.table(
        {
            "id": rows + 1,
            "last_name": _padded(last, c.padding[:, 1]),
            "first_name": _padded(first, c.padding[:, 0]),
            "email": _padded(email, c.padding[:, 2]),
            "satisfaction_score": pa.array(score, mask=~has_score),
            "created_at": timeline.timestamps(c.created_second),
            "updated_at": timeline.timestamps(np.where(has_score, answered, c.created_second)),
        }
    )


def simulate_crm(seed: int, scale: int, timeline: Timeline, people: People) -> dict[str, pa.Table]:
    """The CRM's `customers` table as it stands at the as-of instant."""
    customers = simulate_customers(seed, scale, timeline, people)
    return {"customers": customers_table(customers, people, timeline)}
