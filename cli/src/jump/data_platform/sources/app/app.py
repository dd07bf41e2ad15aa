"""The simulated App: users, job contracts, clients and invoices, as its database stores them.

Every entity is drawn month by month from its own random stream (timeline.py): a cohort of
freelancers with all their contracts in the month they join, the clients created in a month, the
invoices issued in a month. The whole history up to the end of the as-of month is drawn, then cut
at the as-of instant, so that a later as-of keeps every earlier row. Only documented mutable fields
change with the as-of: a contract's `end_date` (unknown until recorded) and its `updated_at`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jump.data_platform.sources.names import CLIENT_SUFFIXES, first_names, last_names, pick, words
from jump.data_platform.sources.people import People
from jump.data_platform.sources.timeline import (
    SECONDS_PER_DAY,
    BoolArray,
    Int64Array,
    Timeline,
    day_index,
    random_generator,
    random_working_days,
    time_of_day,
)

MAX_CONTRACTS_PER_FREELANCER = 3
CONTRACT_COUNT_WEIGHTS = (0.7, 0.2, 0.1)  # share of freelancers with 1, 2 or 3 contracts
MEAN_CONTRACT_DAYS = 420
OPEN_ENDED_SHARE = 0.5  # share of last contracts that never end
BLUE_SHARE = 0.6
ENTITY_SWITCH_SHARE = 0.2  # a later contract switches entity (blue <-> green)
NEVER_INVOICING_SHARE = 0.02  # contracts whose mission fell through: no invoice ever
# What a contract bills in a full month: log-normal per contract (daily rate times days worked).
MONTHLY_BILLING_MEDIAN = 4_300.0
MONTHLY_BILLING_SIGMA = 0.45
INVOICE_SIGMA = 0.25  # each invoice around its contract's monthly level
SKIP_SHARE = 0.06  # a full running month without invoice (illness, a mission gap)
# The chance to invoice at all, by calendar month: holidays in August, Christmas in December.
INVOICING_SEASON = (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.55, 1.0, 1.0, 1.0, 0.8)
EXTRA_INVOICE_SHARES = (0.15, 0.04)  # a month with a second invoice; with a third
SPLIT_AMOUNT = 0.6  # each of several invoices in a month bills that share of the level
OTHER_CLIENT_SHARE = 0.15  # invoices to another client than the contract's main one
# Clients: the company's book on its first day, then new clients every month. Their size (the
# chance to be picked by a contract) is log-normal: a few big accounts, many small ones.
FIRST_DAY_CLIENTS = 40
NEW_CLIENTS_PER_MONTH = 10
CLIENT_SIZE_SIGMA = 1.3
# Planted anomalies (docs/sources.md), at fixed places in history: no invoice at all in month 19
# (2025-08); the first invoice of month 2 (2024-03) was deleted, leaving a gap in the references;
# client 2 is named like client 1.
EMPTY_MONTH_INDEX = 19
GAP_MONTH_INDEX = 2
HOMONYM_CLIENT_INDEX = 1
# A hand-over within a month: the first joiner of the first month (person 0) holds a blue
# contract ending on Friday 2024-06-14 and a green one starting on Monday 2024-06-17, and
# invoices under both in June 2024 (month 5), so that entity attribution is tested.
HANDOVER_PERSON = 0
HANDOVER_MONTH_INDEX = 5
HANDOVER_LAST_BLUE_DAY = day_index(date(2024, 6, 14))
HANDOVER_FIRST_GREEN_DAY = day_index(date(2024, 6, 17))
NEVER = np.iinfo(np.int64).max // 4  # end day of a contract that has not ended
# A planted late correction (docs/sources.md), at a fixed place in history: the first invoice of
# month 28 (2026-05) is corrected on 2026-07-16 at 10:30, six weeks after its month ended (a
# quarter of its amount credited: days billed but not worked). From that instant on, its amount
# is the corrected one and its updated_at moves to the correction, as an incremental load needs.
CORRECTED_MONTH_INDEX = 28
CORRECTION_DAY = 15  # days into the month after next: the 16th
CORRECTION_SECOND_OF_DAY = 10 * 3600 + 30 * 60


@dataclass(frozen=True)
class Clients:
    """Every client up to the end of the as-of month, in creation order (index i: id i + 1)."""

    created_second: Int64Array
    cumulative_size: np.ndarray  # running sum of the clients' sizes, in creation order

    def pick(self, created_second: Int64Array, draw: np.ndarray) -> Int64Array:
        """For rows created at `created_second`, an existing client, by size (draw in [0, 1))."""
        available = np.searchsorted(self.created_second, created_second, side="left")
        available = np.maximum(available, 1)
        target = draw * self.cumulative_size[available - 1]
        chosen = np.searchsorted(self.cumulative_size, target, side="right")
        return np.asarray(np.minimum(chosen, available - 1), np.int64)


def simulate_clients(seed: int, scale: int, timeline: Timeline) -> Clients:
    created, sizes = [], []
    for month in range(timeline.months):
        rng = random_generator(seed, scale, "clients", month)
        mean = FIRST_DAY_CLIENTS if month == 0 else NEW_CLIENTS_PER_MONTH
        count = int(rng.poisson(mean * scale))
        if month == 0:  # the book the company starts with: there on its first working morning
            day = np.full(count, timeline.calendar.index[0], dtype=np.int64)
        else:
            day = random_working_days(rng, timeline.calendar, month, count)
        created.append(np.sort(day * SECONDS_PER_DAY + time_of_day(rng, count, 8, 9)))
        sizes.append(rng.lognormal(0.0, CLIENT_SIZE_SIGMA, size=count))
    return Clients(
        created_second=np.concatenate(created).astype(np.int64),
        cumulative_size=np.cumsum(np.concatenate(sizes).astype(float)),
    )


def permuted(index: Int64Array, size: int, seed: int) -> Int64Array:
    """A fixed one-to-one map of 0..size-1 onto itself (an affine permutation)."""
    step = next(p for p in (1_000_003, 1_000_033, 1_000_037) if np.gcd(p, size) == 1)
    offset = (seed * 2_654_435_761 + 12_345) % size
    return np.asarray((index * step + offset) % size, dtype=np.int64)


def client_names(seed: int, indexes: Int64Array) -> pa.StringArray:
    """The names of the clients at `indexes` (client k: id k + 1): 'Martin Conseil' or
    'Martin-Durand SAS', unique names but one planted homonym.

    Client k's name is a fixed one-to-one function of k, so that names never depend on how many
    clients exist: two clients in three get a single name while single names last, the others
    a double-barrelled one.
    """
    lasts, suffixes = words(last_names()), words(CLIENT_SUFFIXES)
    # Two different companies share a name.
    index = np.where(indexes == HOMONYM_CLIENT_INDEX, 0, indexes).astype(np.int64)
    singles = len(lasts) * len(CLIENT_SUFFIXES)
    single_rank = index - index // 3 - 1  # rank of k among the indexes not divisible by 3
    single = (index % 3 != 0) & (single_rank < singles)
    one_name = permuted(np.where(single, single_rank, 0), singles, seed)
    two_names = permuted(index, len(lasts) * singles, seed)
    first = np.where(single, one_name // len(CLIENT_SUFFIXES), two_names // singles)
    second = (two_names % singles) // len(CLIENT_SUFFIXES)
    suffix = np.where(single, one_name, two_names) % len(CLIENT_SUFFIXES)
    double = pc.binary_join_element_wise(pick(lasts, first), pick(lasts, second), "-")
    base = pc.if_else(pa.array(single), pick(lasts, first), double)
    return pc.binary_join_element_wise(base, pick(suffixes, suffix), " ")


@dataclass(frozen=True)
class Contracts:
    """Every job contract up to the end of the as-of month, in creation order (index i: id i + 1)."""

    person: Int64Array
    entity_is_blue: BoolArray
    start_day: Int64Array
    end_day: Int64Array  # NEVER when open-ended
    created_second: Int64Array
    end_recorded_second: Int64Array
    never_invoices: BoolArray
    monthly_level: np.ndarray  # euros billed in a full month
    main_client: Int64Array


CONTRACT_FIELDS = (
    "person",
    "entity_is_blue",
    "start_day",
    "end_day",
    "created_second",
    "end_recorded_second",
    "never_invoices",
    "monthly_level",
    "client_draw",
)


def simulate_cohort_contracts(
    seed: int, scale: int, people: People, month: int
) -> dict[str, np.ndarray]:
    """Every contract a month's joiners will ever have, drawn when they join."""
    rng = random_generator(seed, scale, "contracts", month)
    cohort = people.cohort(month)
    signup = people.signup_second[cohort]
    count, slots = len(signup), MAX_CONTRACTS_PER_FREELANCER
    per_person = rng.choice(np.arange(1, slots + 1), p=CONTRACT_COUNT_WEIGHTS, size=count)
    duration = 30 + rng.exponential(MEAN_CONTRACT_DAYS, size=(count, slots)).astype(np.int64)
    gap = rng.integers(15, 180, size=(count, slots))
    handover = month == 0 and count > HANDOVER_PERSON
    if handover:  # the planted hand-over: blue until a Friday, green from the Monday after
        first_day = signup[HANDOVER_PERSON] // SECONDS_PER_DAY
        per_person[HANDOVER_PERSON] = max(per_person[HANDOVER_PERSON], 2)
        duration[HANDOVER_PERSON, 0] = HANDOVER_LAST_BLUE_DAY - first_day + 1
        gap[HANDOVER_PERSON, 0] = HANDOVER_FIRST_GREEN_DAY - HANDOVER_LAST_BLUE_DAY - 1
    is_last = np.arange(slots)[None, :] == (per_person - 1)[:, None]
    open_ended = is_last & (rng.random((count, slots)) < OPEN_ENDED_SHARE)

    start = np.empty((count, slots), dtype=np.int64)
    end = np.empty((count, slots), dtype=np.int64)
    start[:, 0] = signup // SECONDS_PER_DAY  # the first contract starts the day they sign up
    for slot in range(slots):  # a loop over 3 columns, vectorised over every freelancer
        end[:, slot] = np.where(open_ended[:, slot], NEVER, start[:, slot] + duration[:, slot] - 1)
        if slot + 1 < slots:
            start[:, slot + 1] = np.minimum(end[:, slot], NEVER) + 1 + gap[:, slot]

    blue = np.empty((count, slots), dtype=bool)
    blue[:, 0] = rng.random(count) < BLUE_SHARE
    switch = rng.random((count, slots)) < ENTITY_SWITCH_SHARE
    if handover:
        blue[HANDOVER_PERSON, 0], switch[HANDOVER_PERSON, 1] = True, True
    for slot in range(1, slots):
        blue[:, slot] = blue[:, slot - 1] ^ switch[:, slot]

    # The first contract is created minutes after sign-up; later ones on their first day.
    created = start * SECONDS_PER_DAY + time_of_day(rng, count * slots, 12, 14).reshape(count, -1)
    created[:, 0] = signup + rng.integers(300, 3_600, size=count)
    recorded = np.minimum(end, NEVER // SECONDS_PER_DAY) * SECONDS_PER_DAY + time_of_day(
        rng, count * slots, 16, 20
    ).reshape(count, -1)
    exists = np.arange(slots)[None, :] < per_person[:, None]
    person = np.broadcast_to(np.arange(cohort.start, cohort.stop)[:, None], (count, slots))
    never_invoices = rng.random((count, slots)) < NEVER_INVOICING_SHARE
    if handover:
        never_invoices[HANDOVER_PERSON, :2] = False
    return {
        "person": person[exists],
        "entity_is_blue": blue[exists],
        "start_day": start[exists],
        "end_day": end[exists],
        "created_second": created[exists],
        "end_recorded_second": recorded[exists],
        "never_invoices": never_invoices[exists],
        "monthly_level": rng.lognormal(
            np.log(MONTHLY_BILLING_MEDIAN), MONTHLY_BILLING_SIGMA, size=(count, slots)
        )[exists],
        "client_draw": rng.random((count, slots))[exists],
    }


def simulate_contracts(
    seed: int, scale: int, people: People, clients: Clients, timeline: Timeline
) -> Contracts:
    cohorts = [
        simulate_cohort_contracts(seed, scale, people, month) for month in range(timeline.months)
    ]
    fields = {
        name: np.concatenate([cohort[name] for cohort in cohorts]) for name in CONTRACT_FIELDS
    }
    # Within the simulated months only, in creation order (ties: the freelancer's sign-up order).
    within = fields["start_day"] < timeline.days
    order = np.lexsort((fields["person"][within], fields["created_second"][within]))
    kept = {name: values[within][order] for name, values in fields.items()}
    return Contracts(
        person=kept["person"],
        entity_is_blue=kept["entity_is_blue"],
        start_day=kept["start_day"],
        end_day=kept["end_day"],
        created_second=kept["created_second"],
        end_recorded_second=kept["end_recorded_second"],
        never_invoices=kept["never_invoices"],
        monthly_level=kept["monthly_level"],
        main_client=clients.pick(kept["created_second"], kept["client_draw"]),
    )


@dataclass(frozen=True)
class Invoices:
    """Every invoice up to the end of the as-of month in issue order, the planted gap removed."""

    number: Int64Array  # reference number and id
    contract: Int64Array
    client: Int64Array
    issue_day: Int64Array
    created_second: Int64Array
    amount_cents: Int64Array


def simulate_month_invoices(
    seed: int, scale: int, contracts: Contracts, clients: Clients, timeline: Timeline, month: int
) -> dict[str, Int64Array]:
    """The invoices issued in one month, by the contracts running that month, in creation order."""
    rng = random_generator(seed, scale, "invoices", month)
    calendar = timeline.calendar
    first, last = timeline.month_start_day(month), timeline.month_start_day(month + 1) - 1
    running = np.flatnonzero((contracts.start_day <= last) & (contracts.end_day >= first))
    low = np.maximum(contracts.start_day[running], first)
    high = np.minimum(contracts.end_day[running], last)
    worked = calendar.between(low, high)  # working days under contract this month
    coverage = worked / max(int(calendar.between(np.array([first]), np.array([last]))[0]), 1)

    chance = np.minimum(coverage * 1.25, 1.0) * (1 - SKIP_SHARE) * INVOICING_SEASON[month % 12]
    chance[contracts.never_invoices[running] | (worked == 0)] = 0.0
    count = (rng.random(len(running)) < chance) * (
        1
        + (rng.random(len(running)) < EXTRA_INVOICE_SHARES[0])
        + (rng.random(len(running)) < EXTRA_INVOICE_SHARES[1])
    )
    if month == HANDOVER_MONTH_INDEX:  # both contracts of the planted hand-over invoice
        count[contracts.person[running] == HANDOVER_PERSON] = np.maximum(
            count[contracts.person[running] == HANDOVER_PERSON], 1
        )
    position = np.repeat(np.arange(len(running)), count)
    contract = running[position]
    size = len(contract)
    # Invoices go out on a working day under contract, more often towards the month's end.
    offset = np.minimum(
        (worked[position] * np.sqrt(rng.random(size))).astype(np.int64), worked[position] - 1
    )
    issue_day = calendar.nth_from(low[position], offset)
    created = issue_day * SECONDS_PER_DAY + time_of_day(rng, size, 9, 19)
    # Never before the contract exists (a contract is created around midday on its first day).
    created = np.maximum(created, contracts.created_second[contract] + 600)

    amount = (
        contracts.monthly_level[contract]
        * np.clip(coverage[position], 0.2, 1.0)
        * np.where(count[position] > 1, SPLIT_AMOUNT, 1.0)
        * rng.lognormal(0.0, INVOICE_SIGMA, size=size)
    )
    other = np.flatnonzero(rng.random(size) < OTHER_CLIENT_SHARE)
    client = contracts.main_client[contract]
    client[other] = clients.pick(created[other], rng.random(size)[other])
    order = np.lexsort((contract, created))
    return {
        "contract": contract[order],
        "client": client[order],
        "issue_day": issue_day[order],
        "created_second": created[order],
        "amount_cents": np.maximum(np.rint(amount * 100).astype(np.int64), 5_000)[order],
    }


def simulate_invoices(
    seed: int, scale: int, contracts: Contracts, clients: Clients, timeline: Timeline
) -> Invoices:
    months = [
        simulate_month_invoices(seed, scale, contracts, clients, timeline, month)
        for month in range(timeline.months)
        if month != EMPTY_MONTH_INDEX  # the planted empty month: nothing was invoiced
    ]
    names = ("contract", "client", "issue_day", "created_second", "amount_cents")
    # One field at a time, each month's arrays freed once joined: at scale 1000 (14.5 M
    # invoices) the months, their join and a copy held at once peaked at 2.5 GB.
    fields = {
        name: np.concatenate([month.pop(name) for month in months]).astype(np.int64, copy=False)
        for name in names
    }
    fields["number"] = np.arange(1, len(fields["contract"]) + 1, dtype=np.int64)
    # Remove the first invoice issued in the gap month: its reference never appears.
    gap = int(np.searchsorted(fields["issue_day"], timeline.month_start_day(GAP_MONTH_INDEX)))
    if timeline.months > GAP_MONTH_INDEX and gap < len(fields["number"]):
        for name in fields:
            fields[name] = np.delete(fields[name], gap)
    return Invoices(**fields)


def late_correction(invoices: Invoices, timeline: Timeline) -> tuple[Int64Array, Int64Array]:
    """Every invoice's amount (cents) and last update (seconds) at the as-of: as issued, but
    for the planted late correction once its instant has passed."""
    amount, updated = invoices.amount_cents.copy(), invoices.created_second.copy()
    month_start = timeline.month_start_day(CORRECTED_MONTH_INDEX)
    # Months are simulated in order: the month's invoices follow every earlier one.
    first = int(np.searchsorted(invoices.issue_day, month_start))
    corrected_at = (
        timeline.month_start_day(CORRECTED_MONTH_INDEX + 2) + CORRECTION_DAY
    ) * SECONDS_PER_DAY + CORRECTION_SECOND_OF_DAY
    if (
        first < len(amount)
        and invoices.issue_day[first] < timeline.month_start_day(CORRECTED_MONTH_INDEX + 1)
        and corrected_at <= timeline.cutoff_second
    ):
        amount[first] -= amount[first] // 4
        updated[first] = corrected_at
    return amount, updated


def invoice_references(numbers: Int64Array) -> pa.Array:
    """1 -> 'JMP00000001'."""
    digits = pc.utf8_lpad(pa.array(numbers).cast(pa.string()), 8, "0")
    return pc.binary_join_element_wise("JMP", digits, "")


@dataclass(frozen=True)
class InvoiceText:
    """The invoices' text columns, the same at every instant of their history: the hourly
    extracts of a month format them once, then cut them."""

    reference: pa.Array
    issue_date: pa.Array
    created_at: pa.Array


def invoice_text(invoices: Invoices) -> InvoiceText:
    return InvoiceText(
        reference=invoice_references(invoices.number),
        issue_date=Timeline.dates(invoices.issue_day),
        created_at=Timeline.timestamps(invoices.created_second),
    )


def rows_kept(mask: BoolArray) -> slice | BoolArray:
    """`mask` as a slice when it keeps a first run of rows, as a cut of rows in creation order
    does: a slice shares the rows' buffers where a mask copies them (the invoices' text at
    scale 1000 is 0.7 GB)."""
    count = int(np.count_nonzero(mask))
    return slice(0, count) if bool(mask[:count].all()) else mask


def kept_text(values: pa.Array, kept: slice | BoolArray) -> pa.Array:
    """The rows of `values` that `kept` (rows_kept) keeps."""
    if isinstance(kept, slice):
        return values.slice(kept.start, kept.stop - kept.start)
    return values.filter(pa.array(kept))


def replaced(
    values: pa.Array, positions: Int64Array, replacements: pa.Array
) -> pa.Array | pa.ChunkedArray:
    """`values` with the rows at `positions` (ascending) replaced by `replacements`, sharing
    `values`' buffers: one corrected invoice does not copy a column of every invoice."""
    if len(positions) == 0:
        return values
    chunks, start = [], 0
    for index, position in enumerate(positions.tolist()):
        chunks += [values.slice(start, position - start), replacements.slice(index, 1)]
        start = position + 1
    chunks.append(values.slice(start))
    return pa.chunked_array(chunks, type=values.type)


def as_of_tables(
    seed: int,
    people: People,
    contracts: Contracts,
    clients: Clients,
    invoices: Invoices,
    timeline: Timeline,
    text: InvoiceText | None = None,
    since_second: int | None = None,
) -> dict[str, pa.Table]:
    """Cut the history at the as-of instant and shape the rows as the App's tables (`text`:
    the invoices' text columns, when already formatted). With `since_second`, only the rows
    created or updated after that second of the timeline: what changed since an earlier cut
    (rows are never deleted, and a row's values change only with its `updated_at`)."""
    cutoff = timeline.cutoff_second
    floor = -1 if since_second is None else since_second  # seconds count from 0

    def since(seconds: Int64Array) -> BoolArray:
        changed: BoolArray = seconds > floor
        return changed

    users = (people.signup_second <= cutoff) & since(people.signup_second)
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

    ended_all = contracts.end_recorded_second <= cutoff
    contract_updated = np.where(ended_all, contracts.end_recorded_second, contracts.created_second)
    visible = (contracts.created_second <= cutoff) & since(contract_updated)
    ended = ended_all[visible]
    created = contracts.created_second[visible]
    contracts_table = pa.table(
        {
            "id": np.flatnonzero(visible) + 1,
            "user_id": contracts.person[visible] + 1,
            "entity": np.where(contracts.entity_is_blue[visible], "blue", "green"),
            "start_date": timeline.dates(contracts.start_day[visible]),
            "end_date": timeline.dates(np.where(ended, contracts.end_day[visible], 0), ~ended),
            "created_at": timeline.timestamps(created),
            "updated_at": timeline.timestamps(contract_updated[visible]),
        }
    )

    existing = (clients.created_second <= cutoff) & since(clients.created_second)
    clients_created = timeline.timestamps(clients.created_second[existing])
    clients_table = pa.table(
        {
            "id": np.flatnonzero(existing) + 1,
            "name": client_names(seed, np.flatnonzero(existing)),
            "created_at": clients_created,
            "updated_at": clients_created,
        }
    )

    amount_cents, updated_second = late_correction(invoices, timeline)
    issued = rows_kept((invoices.created_second <= cutoff) & since(updated_second))
    if text is None:  # formatted for the rows kept only
        reference = invoice_references(invoices.number[issued])
        issue_date = Timeline.dates(invoices.issue_day[issued])
        invoice_created = Timeline.timestamps(invoices.created_second[issued])
    else:
        reference = kept_text(text.reference, issued)
        issue_date = kept_text(text.issue_date, issued)
        invoice_created = kept_text(text.created_at, issued)
    # Updated after its creation: only the planted late correction, once it has happened.
    corrected = np.flatnonzero((updated_second != invoices.created_second)[issued])
    invoice_updated = replaced(
        invoice_created, corrected, timeline.timestamps(updated_second[issued][corrected])
    )
    invoices_table = pa.table(
        {
            "id": invoices.number[issued],
            "reference": reference,
            "job_contract_id": invoices.contract[issued] + 1,
            "client_id": invoices.client[issued] + 1,
            "issue_date": issue_date,
            "amount": amount_cents[issued] / 100,
            "created_at": invoice_created,
            "updated_at": invoice_updated,
        }
    )
    return {
        "users": users_table,
        "job_contracts": contracts_table,
        "clients": clients_table,
        "invoices": invoices_table,
    }


@dataclass(frozen=True)
class AppHistory:
    """Every client, contract and invoice up to the end of the as-of month."""

    clients: Clients
    contracts: Contracts
    invoices: Invoices

    @cached_property
    def invoice_text(self) -> InvoiceText:
        return invoice_text(self.invoices)


def simulate_app_history(seed: int, scale: int, timeline: Timeline, people: People) -> AppHistory:
    """The App's history through the as-of month: it depends on the month, not on the instant."""
    clients = simulate_clients(seed, scale, timeline)
    contracts = simulate_contracts(seed, scale, people, clients, timeline)
    invoices = simulate_invoices(seed, scale, contracts, clients, timeline)
    return AppHistory(clients, contracts, invoices)


def app_tables(
    seed: int,
    people: People,
    history: AppHistory,
    timeline: Timeline,
    since_second: int | None = None,
) -> dict[str, pa.Table]:
    """The App's four tables as they stand at the as-of instant; with `since_second`, only
    their rows created or updated after that second (as_of_tables)."""
    return as_of_tables(
        seed,
        people,
        history.contracts,
        history.clients,
        history.invoices,
        timeline,
        # A whole cut reuses the month's formatted text; a few changed rows format their own.
        history.invoice_text if since_second is None else None,
        since_second,
    )


def simulate_app(seed: int, scale: int, timeline: Timeline, people: People) -> dict[str, pa.Table]:
    """The App's four tables as they stand at the as-of instant."""
    return app_tables(seed, people, simulate_app_history(seed, scale, timeline, people), timeline)
