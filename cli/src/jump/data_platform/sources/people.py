"""The freelancers as people: names, emails and sign-up times, shared by the App and the CRM.

Freelancers join month after month: each month's joiners (a cohort) are drawn from that month's
own random stream, so a later as-of only adds cohorts.
"""

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
    random_working_days,
    time_of_day,
)

# Joiners per month at scale 1: FIRST_MONTH_JOINERS in the first month, growing towards
# (1 + GROWTH) times that as the company matures (half-way after about two years).
FIRST_MONTH_JOINERS = 17.0
GROWTH = 3.0
GROWTH_MONTHS = 36.0
# Fewer people start in summer and at Christmas, more at the rentrée and in January.
JOINER_SEASON = (1.2, 1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.5, 1.3, 1.1, 1.0, 0.7)


def joiners_per_month(month_index: int, scale: int) -> float:
    """The expected number of freelancers signing up in a month of the history."""
    growth = 1.0 + GROWTH * (1.0 - np.exp(-month_index / GROWTH_MONTHS))
    season = JOINER_SEASON[month_index % 12]
    return float(FIRST_MONTH_JOINERS * scale * growth * season)


@dataclass(frozen=True)
class People:
    """Every freelancer up to the end of the as-of month, in sign-up order (index i: id i + 1)."""

    first_name: Int64Array  # index into names.first_names()
    last_name: Int64Array  # index into names.last_names()
    email: pa.StringArray
    signup_day: Int64Array  # day index in the timeline
    signup_second: Int64Array  # seconds since the timeline's start
    cohort_start: Int64Array  # cohort_start[m]: index of month m's first joiner (length months+1)

    def __len__(self) -> int:
        return len(self.email)

    def cohort(self, month_index: int) -> slice:
        return slice(int(self.cohort_start[month_index]), int(self.cohort_start[month_index + 1]))


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


def simulate_cohort(
    seed: int, scale: int, timeline: Timeline, month: int
) -> tuple[Int64Array, Int64Array, Int64Array, Int64Array]:
    """One month's joiners, in sign-up order: first name, last name, domain, sign-up second."""
    rng = random_generator(seed, scale, "people", month)
    count = int(rng.poisson(joiners_per_month(month, scale)))
    day = random_working_days(rng, timeline.calendar, month, count)
    second = np.sort(day * SECONDS_PER_DAY + time_of_day(rng, count, 8, 12))
    first = rng.integers(0, len(first_names()), size=count)
    last = rng.integers(0, len(last_names()), size=count)
    domain = rng.integers(0, len(EMAIL_DOMAINS), size=count)
    return first, last, domain, second


def simulate_people(seed: int, scale: int, timeline: Timeline) -> People:
    cohorts = [simulate_cohort(seed, scale, timeline, month) for month in range(timeline.months)]
    sizes = [len(cohort[0]) for cohort in cohorts]

    def joined(position: int) -> Int64Array:
        parts = [cohort[position] for cohort in cohorts]
        return np.concatenate(parts).astype(np.int64)

    first_name, last_name, domain, signup_second = (joined(i) for i in range(4))
    firsts, lasts = first_names(), last_names()
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
        signup_day=signup_second // SECONDS_PER_DAY,
        signup_second=signup_second,
        cohort_start=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
    )
