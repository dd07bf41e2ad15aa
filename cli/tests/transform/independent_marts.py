"""The marts computed again in plain Python, straight from the SQLite sources (sqlite3, Decimal).

Written from the business rules (docs/models.md), not from the SQL, so that the end-to-end test
compares two independent computations.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from support.sqlite_rows import rows

CENT = Decimal("0.01")


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def months_between(first: date, last: date) -> list[date]:
    months, month = [], month_of(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def normalize(name: str | None) -> str | None:
    if name is None:
        return None
    decomposed = unicodedata.normalize("NFKD", name.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", stripped).strip() or None


def cents(amount: float | str) -> Decimal:
    """An amount to the cent; a column retyped as text holds the number's text."""
    text = amount if isinstance(amount, str) else repr(amount)
    return Decimal(text).quantize(CENT, ROUND_HALF_UP)


def identifier(value: int | str) -> int:
    """An App or CRM id; a column retyped as text holds the number's text (ValueError else)."""
    return value if isinstance(value, int) else int(value)


SCORE = re.compile(r"(10|[0-9])(\.0+)?")


def score(value: object) -> int | None:
    """A satisfaction score: an integer from 0 to 10, else None (not answered or not valid:
    docs/data-quality.md). Never rounded."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip() if value is not None else ""
    return int(float(text)) if SCORE.fullmatch(text) else None


class Sources:
    """The App and CRM rows, typed as the business reads them."""

    def __init__(self, sources_folder: Path) -> None:
        app, crm = sources_folder / "app.sqlite", sources_folder / "crm.sqlite"
        [(as_of,)] = rows(app, "select as_of from extract_metadata")
        self.as_of = datetime.fromisoformat(as_of).date()  # an instant with its offset
        self.users = {
            identifier(uid): (first.strip(), last.strip(), email.strip().lower())
            for uid, first, last, email in rows(
                app, "select id, first_name, last_name, email from users"
            )
        }
        self.contracts = [
            (
                identifier(cid),
                identifier(uid),
                entity,
                date.fromisoformat(start),
                date.fromisoformat(end) if end else None,
            )
            for cid, uid, entity, start, end in rows(
                app, "select id, user_id, entity, start_date, end_date from job_contracts"
            )
        ]
        contract_user = {cid: uid for cid, uid, *_ in self.contracts}
        self.invoices = [
            (
                ref,
                identifier(cid),
                contract_user[identifier(cid)],
                date.fromisoformat(day),
                cents(amount),
            )
            for ref, cid, day, amount in rows(
                app, "select reference, job_contract_id, issue_date, amount from invoices"
            )
        ]
        self.customers = [
            (identifier(cid), last, first, email, score(value), updated_at, created_at)
            for cid, last, first, email, value, updated_at, created_at in rows(
                crm,
                "select id, last_name, first_name, email, satisfaction_score, updated_at,"
                " created_at from customers",
            )
        ]
        # The CRM's as-of instant in local time, like every timestamp of the sources.
        [(self.crm_as_of,)] = rows(crm, "select extracted_at from extract_metadata")

    @property
    def as_of_month(self) -> date:
        return month_of(self.as_of)


def monthly_turnover(s: Sources) -> dict[date, Decimal]:
    totals: dict[date, Decimal] = defaultdict(Decimal)
    for _, _, _, day, amount in s.invoices:
        totals[month_of(day)] += amount
    first = min(totals)
    last = max([s.as_of_month, *totals])
    return {month: totals.get(month, Decimal(0)) for month in months_between(first, last)}


def _recency(customer: tuple[Any, ...]) -> tuple[bool, str, int]:
    """Duplicates by email: the latest `updated_at` wins (a missing one loses), then the id."""
    return (customer[5] is not None, customer[5] or "", customer[0])


def crm_matches(s: Sources) -> dict[int, tuple[str, tuple[Any, ...]]]:
    """App user id -> (match method, the matched CRM customer): by email, then by name."""
    latest: dict[str, tuple[Any, ...]] = {}
    kept = []
    for row in s.customers:
        email = (row[3] or "").strip().lower() or None
        if email is None:
            kept.append(row)
            continue
        best = latest.get(email)
        if best is None or _recency(row) > _recency(best):
            latest[email] = row
    kept.extend(latest.values())
    by_email = {(row[3] or "").strip().lower(): row for row in kept if row[3]}
    matched: dict[int, tuple[str, tuple[Any, ...]]] = {}
    for uid, (_, _, email) in s.users.items():
        if email in by_email:
            matched[uid] = ("email", by_email[email])
    taken = {row[0] for _, row in matched.values()}

    def name_key(last: str | None, first: str | None) -> tuple[str, str] | None:
        pair = (normalize(last), normalize(first))
        return pair if pair[0] and pair[1] else None  # type: ignore[return-value]

    user_names = Counter(
        name_key(last, first) for uid, (first, last, _) in s.users.items() if uid not in matched
    )
    customer_names = Counter(name_key(row[1], row[2]) for row in kept if row[0] not in taken)
    customer_by_name = {name_key(row[1], row[2]): row for row in kept if row[0] not in taken}
    for uid, (first, last, _) in s.users.items():
        key = name_key(last, first)
        if uid in matched or key is None:
            continue
        if user_names[key] == 1 and customer_names[key] == 1:
            matched[uid] = ("name", customer_by_name[key])
    return matched


def crm_scores(s: Sources) -> dict[int, int | None]:
    """App user id -> the satisfaction score of the matched (deduplicated) CRM customer."""
    return {uid: row[4] for uid, (_, row) in crm_matches(s).items()}


def answer_owners(s: Sources) -> dict[int, int]:
    """CRM id -> the App user it belongs to: every row with the user's email when matched by
    email, else the matched row."""
    by_email = {}
    owners = {}
    for uid, (method, matched) in crm_matches(s).items():
        if method == "email":
            by_email[(matched[3] or "").strip().lower()] = uid
        else:
            owners[matched[0]] = uid
    for row in s.customers:
        email = (row[3] or "").strip().lower()
        if email in by_email:
            owners[row[0]] = by_email[email]
    return owners


def survey_answers(
    s: Sources, owners: dict[int, int] | None = None
) -> list[tuple[int, int, str, int]]:
    """(freelancer, score, answered at, CRM id) for every CRM row with a score that belongs to
    a matched freelancer (`owners`, by default the sources' own matching). The sources hold
    each row's current answer, dated by its updated_at."""
    owners = answer_owners(s) if owners is None else owners
    return [
        (owners[row[0]], row[4], row[5], row[0])
        for row in s.customers
        if row[0] in owners and row[4] is not None
    ]


def _nps_of(scores: list[int]) -> tuple[Decimal | None, int, int, int, int]:
    promoters = sum(1 for score in scores if score >= 9)
    passives = sum(1 for score in scores if 7 <= score <= 8)
    detractors = sum(1 for score in scores if score <= 6)
    value = (
        (Decimal(100 * (promoters - detractors)) / len(scores)).quantize(CENT, ROUND_HALF_UP)
        if scores
        else None
    )
    return value, len(scores), promoters, passives, detractors


def _latest(
    answers: list[tuple[int, int, str, int]], before: str | None
) -> dict[int, tuple[str, int, int]]:
    """Each freelancer's latest answer (by time, then CRM id) given before `before`."""
    latest: dict[int, tuple[str, int, int]] = {}
    for uid, score, answered_at, crm_id in answers:
        if before is not None and answered_at >= before:
            continue
        if uid not in latest or (answered_at, crm_id) > latest[uid][:2]:
            latest[uid] = (answered_at, crm_id, score)
    return latest


def nps(s: Sources) -> tuple[Decimal | None, int, int, int, int]:
    """A freelancer counts once, with their latest answer: a later duplicate without a score
    does not erase it."""
    return _nps_of([score for *_, score in _latest(survey_answers(s), None).values()])


def _stamp(day: date) -> str:
    return f"{day.isoformat()} 00:00:00"


def nps_of_month(answers: list[tuple[int, int, str, int]], month: date) -> tuple[Any, ...]:
    """(nps, respondents, promoters, passives, detractors, answers_in_month, nps_all_time,
    respondents_all_time) at the end of `month`: the trailing twelve months are each
    freelancer's latest answer if given from the first day of the month 11 months earlier."""
    end = _stamp(next_month(month))
    window_start = _stamp(date(month.year - (month.month <= 11), (month.month - 12) % 12 + 1, 1))
    latest = _latest(answers, end).values()
    ttm = _nps_of([score for answered_at, _, score in latest if answered_at >= window_start])
    all_time = _nps_of([score for *_, score in latest])
    in_month = sum(1 for _, _, answered_at, _ in answers if _stamp(month) <= answered_at < end)
    return (*ttm, in_month, all_time[0], all_time[1])


def _last_second(month: date) -> str:
    return f"{(next_month(month) - timedelta(days=1)).isoformat()} 23:59:59"


def nps_monthly(s: Sources) -> dict[date, tuple[Any, ...]]:
    """month -> (nps_of_month..., is_complete, is_observed) over the months of the monthly
    turnover, for a lakehouse that loaded these sources once: each answer is a row's current
    score. A month is observed when no CRM row that existed at its end (or at the CRM's as-of,
    if earlier) changed between then and the load."""
    answers = survey_answers(s)
    result = {}
    for month in monthly_turnover(s):
        described = min(_last_second(month), s.crm_as_of)
        observed = not any(row[6] <= described < row[5] <= s.crm_as_of for row in s.customers)
        result[month] = (*nps_of_month(answers, month), month < s.as_of_month, observed)
    return result


def nps_monthly_truth(
    final: Sources, month_ends: dict[date, Sources]
) -> dict[date, tuple[Any, ...]]:
    """month -> nps_of_month(...) as the extract taken at each month's end gives it (the as-of
    month: the final extract), each CRM row attributed by the final matching (as the lakehouse
    does)."""
    owners = answer_owners(final)
    return {
        month: nps_of_month(survey_answers(month_ends.get(month, final), owners), month)
        for month in monthly_turnover(final)
    }


def turnover_by_cohort(s: Sources) -> dict[tuple[int, date, str], tuple[Any, ...]]:
    """(freelancer, month, entity) -> (last name, first name, cohort, turnover): each invoice
    under the entity of its own contract; a month without invoices under the entity of the
    latest contract started by then, with 0."""
    by_user: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for contract in s.contracts:
        by_user[contract[1]].append(contract)
    entity_of = {cid: entity for cid, _, entity, *_ in s.contracts}
    turnover: dict[tuple[int, date], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for _, cid, uid, day, amount in s.invoices:
        turnover[uid, month_of(day)][entity_of[cid]] += amount
    last = max([s.as_of_month, *(month_of(day) for *_, day, _ in s.invoices)])
    result = {}
    for uid, contracts in by_user.items():
        first, last_name = s.users[uid][0], s.users[uid][1]
        cohort = month_of(min(start for *_, start, _ in contracts))
        for month in months_between(cohort, last):
            started = [c for c in contracts if month_of(c[3]) <= month]
            invoiced = turnover.get((uid, month)) or {
                max(started, key=lambda c: (c[3], c[0]))[2]: Decimal(0)
            }
            for entity, amount in invoiced.items():
                result[uid, month, entity] = (last_name, first, cohort, amount)
    return result


def cumulative_turnover(s: Sources) -> dict[tuple[int, date], tuple[Any, ...]]:
    """(contract, month) -> (freelancer, start, end, entity, turnover, cumulative)."""
    turnover: dict[tuple[int, date], Decimal] = defaultdict(Decimal)
    for _, cid, _, day, amount in s.invoices:
        turnover[cid, month_of(day)] += amount
    spine_end = max([s.as_of_month, *(month_of(day) for *_, day, _ in s.invoices)])
    rows_by_user: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for cid, uid, entity, start, end in s.contracts:
        last = min(month_of(end) if end else s.as_of_month, spine_end)
        for month in months_between(start, last):
            rows_by_user[uid].append((month, start, cid, entity, end))
    result = {}
    for uid, user_rows in rows_by_user.items():
        running = Decimal(0)
        for month, start, cid, entity, end in sorted(user_rows):
            amount = turnover.get((cid, month), Decimal(0))
            running += amount
            result[cid, month] = (uid, start, end, entity, amount, running)
    return result


def missing_references(s: Sources) -> list[str]:
    numbers = sorted(int(ref[3:]) for ref, *_ in s.invoices)
    present = set(numbers)
    return [f"JMP{n:08d}" for n in range(1, numbers[-1]) if n not in present]
