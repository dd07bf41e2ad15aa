"""The simulated App: users, job contracts, clients and invoices, as its database stores them.

Every row is drawn over the whole horizon of the timeline (see timeline.py) with NumPy, then cut
at the as-of date, so that the same seed, scale and as-of give the same rows and a later as-of
adds rows without changing earlier ones. Only documented mutable fields change with the as-of:
a contract's `end_date` (unknown until it ends) and its `updated_at`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jump.data_platform.sources.names import CLIENT_SUFFIXES, first_names, last_names, pick, words
from jump.data_platform.sources.people import People
from jump.data_platform.sources.timeline import (
    SECONDS_PER_DAY,
    Int64Array,
    Timeline,
    random_generator,
    time_of_day,
)

CLIENTS_PER_SCALE = 20
MAX_CONTRACTS_PER_FREELANCER = 3
CONTRACT_COUNT_WEIGHTS = (0.7, 0.2, 0.1)  # share of freelancers with 1, 2 or 3 contracts
MEAN_CONTRACT_DAYS = 420
OPEN_ENDED_SHARE = 0.5  # share of last contracts that never end within the horizon
BLUE_SHARE = 0.6
ENTITY_SWITCH_SHARE = 0.2  # a later contract switches entity (blue <-> green)
MEAN_INVOICES_PER_CONTRACT_DAY = 0.013
SAME_CLIENT_SHARE = 0.8  # share of a contract's invoices billed to its main client
# Planted anomalies (docs/sources.md): the window's month 19 (August of the middle year) has no
# invoice, and the first invoice of month 2 was deleted, leaving a gap in the references.
EMPTY_MONTH_INDEX = 19
GAP_MONTH_INDEX = 2
NEVER = np.iinfo(np.int64).max // 4  # end day of a contract that has not ended


@dataclass(frozen=True)
class Contracts:
    """Every job contract of the horizon, in creation order (index i has id i + 1)."""

    person: Int64Array
    entity_is_blue: np.ndarray
    start_day: Int64Array
    end_day: Int64Array  # NEVER when open-ended
    created_second: Int64Array
    end_recorded_second: Int64Array


def simulate_contracts(people: People, rng: np.random.Generator, timeline: Timeline) -> Contracts:
    count = len(people)
    slots = MAX_CONTRACTS_PER_FREELANCER
    per_person = rng.choice(np.arange(1, slots + 1), p=CONTRACT_COUNT_WEIGHTS, size=count)
    duration = 30 + rng.exponential(MEAN_CONTRACT_DAYS, size=(count, slots)).astype(np.int64)
    gap = rng.integers(15, 180, size=(count, slots))
    is_last = np.arange(slots)[None, :] == (per_person - 1)[:, None]
    open_ended = is_last & (rng.random((count, slots)) < OPEN_ENDED_SHARE)

    start = np.empty((count, slots), dtype=np.int64)
    end = np.empty((count, slots), dtype=np.int64)
    start[:, 0] = people.signup_day  # the first contract starts the day the freelancer signs up
    for slot in range(slots):  # a loop over 3 columns, vectorised over every freelancer
        end[:, slot] = np.where(open_ended[:, slot], NEVER, start[:, slot] + duration[:, slot] - 1)
        if slot + 1 < slots:
            start[:, slot + 1] = np.minimum(end[:, slot], NEVER) + 1 + gap[:, slot]

    blue = np.empty((count, slots), dtype=bool)
    blue[:, 0] = rng.random(count) < BLUE_SHARE
    switch = rng.random((count, slots)) < ENTITY_SWITCH_SHARE
    for slot in range(1, slots):
        blue[:, slot] = blue[:, slot - 1] ^ switch[:, slot]

    exists = (np.arange(slots)[None, :] < per_person[:, None]) & (start < timeline.days)
    person = np.broadcast_to(np.arange(count)[:, None], (count, slots))[exists]
    start_day, end_day = start[exists], end[exists]
    created = start_day * SECONDS_PER_DAY + time_of_day(rng, len(start_day), 12, 14)
    recorded = np.minimum(end_day, NEVER // SECONDS_PER_DAY) * SECONDS_PER_DAY + time_of_day(
        rng, len(end_day), 16, 20
    )
    order = np.lexsort((person, created))
    return Contracts(
        person=person[order],
        entity_is_blue=blue[exists][order],
        start_day=start_day[order],
        end_day=end_day[order],
        created_second=created[order],
        end_recorded_second=recorded[order],
    )


def client_weights(count: int, rng: np.random.Generator) -> np.ndarray:
    """A few clients weigh much more than the others (Zipf-like), in random id order."""
    weights = 1.0 / np.arange(1, count + 1) ** 1.2
    rng.shuffle(weights)
    return np.asarray(weights / weights.sum())


def simulate_client_names(count: int, rng: np.random.Generator) -> pa.StringArray:
    """'Martin-Durand Conseil'-like unique names, except one planted homonym (the last client)."""
    lasts = words(last_names())
    combinations = len(lasts) * len(lasts) * len(CLIENT_SUFFIXES)
    picks = rng.choice(combinations, size=count, replace=False)
    first, rest = np.divmod(picks, len(lasts) * len(CLIENT_SUFFIXES))
    second, suffix = np.divmod(rest, len(CLIENT_SUFFIXES))
    double = pc.binary_join_element_wise(pick(lasts, first), pick(lasts, second), "-")
    base = pc.if_else(pa.array(first % 3 == 0), double, pick(lasts, first))
    names = pc.binary_join_element_wise(base, pick(words(CLIENT_SUFFIXES), suffix), " ")
    if count >= 2:
        # Two different companies may share a name: the last client is named like another.
        twin = np.arange(count)
        twin[-1] = count // 2
        names = names.take(pa.array(twin))
    return names


@dataclass(frozen=True)
class Invoices:
    """Every invoice of the horizon in issue order, the planted gap already removed."""

    number: Int64Array  # reference number and id
    contract: Int64Array
    client: Int64Array
    issue_day: Int64Array
    created_second: Int64Array
    amount_cents: Int64Array


def simulate_invoices(
    contracts: Contracts, client_count: int, rng: np.random.Generator, timeline: Timeline
) -> Invoices:
    last_day = np.minimum(contracts.end_day, timeline.days - 1)
    active_days = last_day - contracts.start_day + 1
    activity = rng.gamma(2.0, MEAN_INVOICES_PER_CONTRACT_DAY / 2.0, size=len(active_days))
    per_contract = rng.poisson(activity * active_days)
    contract = np.repeat(np.arange(len(active_days)), per_contract)
    issue_day = contracts.start_day[contract] + (
        rng.random(len(contract)) * active_days[contract]
    ).astype(np.int64)

    weights = client_weights(client_count, rng)
    main_client = rng.choice(client_count, p=weights, size=len(active_days))
    other_client = rng.choice(client_count, p=weights, size=len(contract))
    same = rng.random(len(contract)) < SAME_CLIENT_SHARE
    client = np.where(same, main_client[contract], other_client)

    base = rng.lognormal(np.log(1800.0), 0.5, size=len(active_days))
    amount = base[contract] * rng.lognormal(0.0, 0.25, size=len(contract))
    amount_cents = np.maximum(np.rint(amount * 100).astype(np.int64), 5_000)
    created = issue_day * SECONDS_PER_DAY + time_of_day(rng, len(contract), 14, 20)

    empty_month = (issue_day >= timeline.month_start_day(EMPTY_MONTH_INDEX)) & (
        issue_day < timeline.month_start_day(EMPTY_MONTH_INDEX + 1)
    )
    keep = ~empty_month
    order = np.lexsort((contract[keep], created[keep]))
    selected = np.flatnonzero(keep)[order]
    number = np.arange(1, len(selected) + 1, dtype=np.int64)
    gap_day = timeline.month_start_day(GAP_MONTH_INDEX)
    # Remove the first invoice issued in the gap month: its reference never appears.
    gap_position = int(np.searchsorted(issue_day[selected], gap_day, side="left"))
    if gap_position < len(selected):
        selected, number = np.delete(selected, gap_position), np.delete(number, gap_position)
    return Invoices(
        number=number,
        contract=contract[selected],
        client=client[selected],
        issue_day=issue_day[selected],
        created_second=created[selected],
        amount_cents=amount_cents[selected],
    )


def invoice_references(numbers: Int64Array) -> pa.Array:
    """1 -> 'JMP00000001'."""
    digits = pc.utf8_lpad(pa.array(numbers).cast(pa.string()), 8, "0")
    return pc.binary_join_element_wise("JMP", digits, "")


def as_of_tables(
    people: People,
    contracts: Contracts,
    client_names: pa.StringArray,
    client_created: Int64Array,
    invoices: Invoices,
    timeline: Timeline,
) -> dict[str, pa.Table]:
    """Cut the horizon at the as-of date and shape the rows as the App's tables."""
    cutoff = timeline.cutoff_second
    users = people.signup_second < cutoff
    user_created = timeline.timestamps(people.signup_second[users])
    users_table = pa.table(
        {
            "id": np.flatnonzero(users) + 1,
            "first_name": pick(words(first_names()), people.first_name[users]),
            "last_name": pick(words(last_names()), people.last_name[users]),
            "email": people.email.filter(pa.array(users)),
            "created_at": user_created,
            "updated_at": user_created,
        }
    )

    visible = contracts.created_second < cutoff
    ended = contracts.end_day[visible] <= timeline.as_of_day
    created = contracts.created_second[visible]
    contracts_table = pa.table(
        {
            "id": np.flatnonzero(visible) + 1,
            "user_id": contracts.person[visible] + 1,
            "entity": np.where(contracts.entity_is_blue[visible], "blue", "green"),
            "start_date": timeline.dates(contracts.start_day[visible]),
            "end_date": timeline.dates(np.where(ended, contracts.end_day[visible], 0), ~ended),
            "created_at": timeline.timestamps(created),
            "updated_at": timeline.timestamps(
                np.where(ended, contracts.end_recorded_second[visible], created)
            ),
        }
    )

    clients_created = timeline.timestamps(client_created)
    clients_table = pa.table(
        {
            "id": np.arange(1, len(client_names) + 1),
            "name": client_names,
            "created_at": clients_created,
            "updated_at": clients_created,
        }
    )

    issued = invoices.created_second < cutoff
    invoice_created = timeline.timestamps(invoices.created_second[issued])
    invoices_table = pa.table(
        {
            "id": invoices.number[issued],
            "reference": invoice_references(invoices.number[issued]),
            "job_contract_id": invoices.contract[issued] + 1,
            "client_id": invoices.client[issued] + 1,
            "issue_date": timeline.dates(invoices.issue_day[issued]),
            "amount": invoices.amount_cents[issued] / 100,
            "created_at": invoice_created,
            "updated_at": invoice_created,
        }
    )
    return {
        "users": users_table,
        "job_contracts": contracts_table,
        "clients": clients_table,
        "invoices": invoices_table,
    }


def simulate_app(seed: int, scale: int, timeline: Timeline, people: People) -> dict[str, pa.Table]:
    """The App's four tables as they stand at the end of the as-of day."""
    contracts = simulate_contracts(
        people, random_generator(seed, scale, timeline, "contracts"), timeline
    )
    client_rng = random_generator(seed, scale, timeline, "clients")
    client_count = CLIENTS_PER_SCALE * scale
    client_names = simulate_client_names(client_count, client_rng)
    # Every client exists from the window's first morning, before the first invoice (afternoons).
    client_created = np.sort(time_of_day(client_rng, client_count, 8, 9))
    invoices = simulate_invoices(
        contracts, client_count, random_generator(seed, scale, timeline, "invoices"), timeline
    )
    return as_of_tables(people, contracts, client_names, client_created, invoices, timeline)
