"""The freelancers as people: names, emails and sign-up times, shared by the App and the CRM."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jump.data_platform.sources.names import (
    EMAIL_DOMAINS,
    email_part,
    first_names,
    last_names,
    pick,
    words,
)
from jump.data_platform.sources.timeline import (
    SECONDS_PER_DAY,
    Int64Array,
    Timeline,
    random_generator,
    time_of_day,
)

FREELANCERS_PER_SCALE = 1_200
# Share of the freelancers already with Jump in the window's first month; the rest join evenly.
FOUNDING_SHARE = 0.4


@dataclass(frozen=True)
class People:
    """Every freelancer of the simulated horizon, in sign-up order (index i has App id i + 1)."""

    first_name: Int64Array  # index into names.first_names()
    last_name: Int64Array  # index into names.last_names()
    email: pa.StringArray
    signup_day: Int64Array  # day index in the timeline
    signup_second: Int64Array  # seconds since the timeline's start

    def __len__(self) -> int:
        return len(self.email)


def occurrence_rank(keys: Int64Array) -> Int64Array:
    """For each position, how many earlier positions hold the same key (0 for the first)."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    group_start = np.r_[0, np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1]
    group_sizes = np.diff(np.r_[group_start, len(keys)])
    rank_sorted = np.arange(len(keys)) - np.repeat(group_start, group_sizes)
    ranks = np.empty_like(rank_sorted)
    ranks[order] = rank_sorted
    return np.asarray(ranks, dtype=np.int64)


def simulate_people(seed: int, scale: int, timeline: Timeline) -> People:
    rng = random_generator(seed, scale, timeline, "people")
    count = FREELANCERS_PER_SCALE * scale
    founders = int(count * FOUNDING_SHARE)
    signup_day = np.concatenate(
        [
            rng.integers(0, 31, size=founders),
            rng.integers(0, timeline.days, size=count - founders),
        ]
    ).astype(np.int64)
    signup_second = signup_day * SECONDS_PER_DAY + time_of_day(rng, count, 8, 12)
    order = np.argsort(signup_second, kind="stable")
    signup_day, signup_second = signup_day[order], signup_second[order]

    firsts, lasts = first_names(), last_names()
    first_name = rng.integers(0, len(firsts), size=count)
    last_name = rng.integers(0, len(lasts), size=count)
    domain = rng.integers(0, len(EMAIL_DOMAINS), size=count)
    # Namesakes on the same domain get a number, in sign-up order: 'jean.martin2@gmail.com'.
    key = (first_name * len(lasts) + last_name) * len(EMAIL_DOMAINS) + domain
    rank = occurrence_rank(key)
    suffix = pc.if_else(pa.array(rank > 0), pa.array(rank + 1).cast(pa.string()), "")
    email = pc.binary_join_element_wise(
        pick(words(firsts, email_part), first_name),
        ".",
        pick(words(lasts, email_part), last_name),
        suffix,
        "@",
        pick(words(EMAIL_DOMAINS), domain),
        "",  # the separator: the pieces are joined as they are
    )
    return People(
        first_name=first_name,
        last_name=last_name,
        email=email,
        signup_day=signup_day,
        signup_second=signup_second,
    )
