"""The simulated CRM: the freelancers as the Sales and Care teams typed them, with their scores.

The CRM does not know the App's ids: it knows people by name and email, typed by hand. So some
rows differ from the App in case, accents or white space, some people were entered twice, some
gave a personal email, and some rows are prospects the App does not know. About half of the
freelancers answered the satisfaction survey (0 to 10); the score appears once they answered, so
`satisfaction_score` and `updated_at` are the CRM's mutable fields.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jump.data_platform.sources.names import (
    OTHER_EMAIL_DOMAINS,
    Indexes,
    email_part,
    first_names,
    last_names,
    pick,
    strip_accents,
    words,
)
from jump.data_platform.sources.people import People
from jump.data_platform.sources.timeline import (
    SECONDS_PER_DAY,
    Timeline,
    random_generator,
    time_of_day,
)

DUPLICATE_SHARE = 0.03  # freelancers entered a second time
PROSPECT_SHARE = 0.05  # people the App does not know, per freelancer
PERSONAL_EMAIL_SHARE = 0.03  # freelancers known by another email: matched by name only
CAPITALIZED_EMAIL_SHARE = 0.05  # 'Jean.martin@gmail.com'
SURVEY_ANSWER_SHARE = 0.6  # share who answer within a few months (about half by the as-of)
# Probabilities of the scores 0..10: mostly satisfied, a tail of detractors.
SCORE_WEIGHTS = np.array([2, 1, 2, 2, 3, 4, 6, 12, 22, 24, 22], dtype=float) / 100
# How a name was typed: as written, without accents, in lower case, in upper case.
TYPED_FORMS = (str, strip_accents, str.lower, str.upper)


def typed(
    vocabulary: tuple[str, ...],
    indexes: Indexes,
    rng: np.random.Generator,
    bare: float,
    lower: float,
    upper: float,
) -> pa.StringArray:
    """Words retyped as people do: a share without accents, in lower case, in upper case."""
    draw = rng.random(len(indexes))
    form = np.select([draw < bare, draw < bare + lower, draw > 1 - upper], [1, 2, 3], 0)
    every_form = pa.concat_arrays([words(vocabulary, function) for function in TYPED_FORMS])
    return pick(every_form, form * len(vocabulary) + indexes)


def padded(values: pa.StringArray, rng: np.random.Generator, share: float) -> pa.StringArray:
    """Stray blanks around a share of the values, as copy-and-paste leaves them."""
    draw = rng.random(len(values))
    before = pa.array(draw < share / 2)
    after = pa.array(draw > 1 - share / 2)
    values = pc.if_else(before, pc.binary_join_element_wise(" ", values, ""), values)
    return pc.if_else(after, pc.binary_join_element_wise(values, "  ", ""), values)


def simulate_crm(seed: int, scale: int, timeline: Timeline, people: People) -> dict[str, pa.Table]:
    """The CRM's `customers` table as it stands at the end of the as-of day."""
    rng = random_generator(seed, scale, timeline, "crm")
    firsts, lasts = first_names(), last_names()
    count = len(people)

    # Who is in the CRM: every freelancer, some twice, plus prospects.
    duplicates = np.flatnonzero(rng.random(count) < DUPLICATE_SHARE)
    person = np.concatenate([np.arange(count), duplicates])
    prospect_count = int(count * PROSPECT_SHARE)
    first_idx = np.concatenate(
        [people.first_name[person], rng.integers(0, len(firsts), prospect_count)]
    )
    last_idx = np.concatenate(
        [people.last_name[person], rng.integers(0, len(lasts), prospect_count)]
    )
    rows = len(first_idx)
    is_prospect = np.arange(rows) >= len(person)

    # Freelancers enter the CRM within ten days of signing up; duplicates up to a year later.
    delay = rng.integers(3_600, 10 * SECONDS_PER_DAY, size=rows)
    delay[count : len(person)] += rng.integers(0, 365 * SECONDS_PER_DAY, size=len(duplicates))
    created = np.concatenate(
        [
            people.signup_second[person],
            rng.integers(0, timeline.days, prospect_count) * SECONDS_PER_DAY
            + time_of_day(rng, prospect_count, 9, 18),
        ]
    ) + np.where(is_prospect, 0, delay)

    # Emails: the App's address, except personal addresses and prospects.
    personal = is_prospect | (rng.random(rows) < PERSONAL_EMAIL_SHARE)
    other_email = pc.binary_join_element_wise(
        pick(words(firsts, email_part), first_idx),
        ".",
        pick(words(lasts, email_part), last_idx),
        pa.array(rng.integers(1, 1000, size=rows)).cast(pa.string()),
        "@",
        pick(words(OTHER_EMAIL_DOMAINS), rng.integers(0, len(OTHER_EMAIL_DOMAINS), rows)),
        "",  # the separator: the pieces are joined as they are
    )
    app_email = pa.concat_arrays(
        [people.email.take(pa.array(person)), pa.array([""] * prospect_count, pa.string())]
    )
    email = pc.if_else(pa.array(personal), other_email, app_email)
    capitalized = pa.array(rng.random(rows) < CAPITALIZED_EMAIL_SHARE)
    email = pc.if_else(capitalized, pc.utf8_capitalize(email), email)

    first = padded(typed(firsts, first_idx, rng, bare=0.08, lower=0.05, upper=0.03), rng, 0.03)
    last = padded(typed(lasts, last_idx, rng, bare=0.08, lower=0.03, upper=0.15), rng, 0.03)
    email = padded(email, rng, 0.04)

    # Satisfaction survey: answered by some freelancers a few weeks to months after entry.
    answers = ~is_prospect & (rng.random(rows) < SURVEY_ANSWER_SHARE)
    answered_at = created + rng.integers(14, 240, size=rows) * SECONDS_PER_DAY
    score = rng.choice(11, p=SCORE_WEIGHTS, size=rows)

    order = np.lexsort((np.arange(rows), created))
    visible = order[created[order] < timeline.cutoff_second]
    shown = pa.array(visible)
    has_score = answers[visible] & (answered_at[visible] < timeline.cutoff_second)
    customers = pa.table(
        {
            "id": np.arange(1, len(visible) + 1),
            "last_name": last.take(shown),
            "first_name": first.take(shown),
            "email": email.take(shown),
            "satisfaction_score": pa.array(score[visible], mask=~has_score),
            "created_at": timeline.timestamps(created[visible]),
            "updated_at": timeline.timestamps(
                np.where(has_score, answered_at[visible], created[visible])
            ),
        }
    )
    return {"customers": customers}
