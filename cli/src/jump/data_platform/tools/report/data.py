"""What the report shows, read from the marts (read-only) and dbt's record of the last transform."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from jump.data_platform.close.store import CLOSES_TABLE
from jump.data_platform.errors import DataPlatformError, first_line
from jump.data_platform.lakehouse import open_lakehouse, table_exists
from jump.data_platform.settings import Settings
from jump.data_platform.sources.contract import LOADED_AT
from jump.data_platform.storage.versions import open_publication
from jump.data_platform.tools.times import company_time
from jump.data_platform.transform.publish import read_publications
from jump.data_platform.transform.run_record import load_run

ZERO = Decimal("0.00")
# The marts the report cannot do without; `marts.nps_monthly` is read when a transform built it.
REQUIRED_MARTS = (
    "monthly_turnover",
    "nps",
    "turnover_by_cohort",
    "freelancer_cumulative_turnover",
)
# A freelancer stagnates when their cumulative turnover has not grown over this many complete
# months, each under a contract, the last of them still running at the as-of date.
STAGNATION_MONTHS = 3
# The page lists this many stagnating freelancers, the highest cumulative turnover first (at
# scale 100 the rule matches about 23,000: a call list, not a page, for that many).
STAGNATION_LISTED = 250
# One row per invoice-reference anomaly, found once by the transform.
ANOMALIES = "intermediate.invoice_reference_anomalies"


@dataclass(frozen=True)
class Freshness:
    """One source application: the simulated "now" of its extract, and when `load` copied it."""

    source: str
    as_of: str
    loaded_at: dt.datetime | None


@dataclass(frozen=True)
class MonthTurnover:
    month: dt.date
    turnover: Decimal
    blue: Decimal
    green: Decimal
    complete: bool


@dataclass(frozen=True)
class Nps:
    nps: Decimal | None  # None without respondent
    respondents: int
    promoters: int
    passives: int
    detractors: int


@dataclass(frozen=True)
class NpsMonth:
    """One month of `marts.nps_monthly`. With its trailing-twelve-month columns (`nps`,
    `respondents` over the last twelve months, `answers_in_month`, `is_observed`), the extra
    fields are set; an older mart gives `nps` and `respondents` alone."""

    month: dt.date
    nps: Decimal | None
    respondents: int
    answers_in_month: int | None = None
    nps_all_time: Decimal | None = None
    observed: bool | None = None  # False: rebuilt from today's state, not seen at the time
    complete: bool | None = None


@dataclass(frozen=True)
class StagnatingFreelancer:
    freelancer_id: int
    last_name: str
    first_name: str
    email: str | None
    entity: str
    contract_start: dt.date
    cumulative_turnover: Decimal
    last_invoice_month: dt.date | None  # None: never invoiced


@dataclass(frozen=True)
class CohortMonth:
    cohort: dt.date
    month: dt.date
    turnover: Decimal


@dataclass(frozen=True)
class Cohort:
    cohort: dt.date
    freelancers: int
    turnover: Decimal


@dataclass(frozen=True)
class Invoice:
    """An invoice as the auditor sees it, beside an anomaly of the references."""

    invoice_id: int
    reference: str | None
    issue_date: dt.date
    amount: Decimal


@dataclass(frozen=True)
class ReferenceAnomaly:
    """One anomaly of the invoice references in plain words, with the invoices around it."""

    kind: str  # missing, malformed, duplicated
    references: str  # `JMP00000062`, `JMP00000290 to JMP00000293`, or the reference in doubt
    sentence: str
    neighbours: list[Invoice]


@dataclass(frozen=True)
class Reconciliation:
    """The same turnover summed three ways; equal to the cent when the marts are right."""

    invoices: Decimal  # intermediate.invoices
    monthly: Decimal  # marts.monthly_turnover
    cohorts: Decimal  # marts.turnover_by_cohort

    @property
    def reconciles(self) -> bool:
        return self.invoices == self.monthly == self.cohorts


@dataclass(frozen=True)
class Restatement:
    month: dt.date
    mart: str
    figure_key: str
    measure: str
    closed_value: Decimal
    current_value: Decimal
    difference: Decimal
    changed_app_rows: str | None
    closed_at: dt.datetime | None


@dataclass(frozen=True)
class LastTransform:
    """The last transform as dbt recorded it (None fields: no transform recorded)."""

    generated_at: str
    tests: dict[str, int]  # status -> count, data tests and unit tests
    warnings: list[str]  # warning tests: the invoice-reference gap among them
    failures: list[str]


@dataclass(frozen=True)
class MonthComparison:
    month: MonthTurnover
    previous: MonthTurnover | None
    year_before: MonthTurnover | None


@dataclass(frozen=True)
class YearToDate:
    year: int
    through: dt.date | None  # the last complete month counted; None: none yet this year
    current: Decimal
    previous: Decimal
    blue: Decimal
    green: Decimal


@dataclass
class ReportData:
    lakehouse: Path
    as_of: dt.date  # the App's as-of date: the monthly series end at its month
    freshness: list[Freshness]
    months: list[MonthTurnover]
    nps: Nps
    nps_months: list[NpsMonth] | None  # None when the lakehouse has no monthly NPS mart
    stagnating: list[StagnatingFreelancer]  # the first STAGNATION_LISTED
    stagnating_count: int  # all of them
    stagnation_window: tuple[dt.date, dt.date] | None
    cohort_months: list[CohortMonth]
    cohorts: list[Cohort]
    transform: LastTransform | None = None
    has_completeness_column: bool = False
    anomalies: list[ReferenceAnomaly] = field(default_factory=list)
    reconciliation: Reconciliation | None = None
    restatements: list[Restatement] | None = None  # None: no month closed yet (no mart)
    # When the marts it shows were published (UTC); None for a lakehouse never published.
    marts_published_at: dt.datetime | None = None
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def restated_months(self) -> set[dt.date]:
        return {restatement.month for restatement in self.restatements or []}

    @property
    def last_complete_month(self) -> dt.date | None:
        return max((m.month for m in self.months if m.complete), default=None)

    @property
    def unfinished(self) -> list[MonthTurnover]:
        return [m for m in self.months if not m.complete]

    @property
    def never_invoiced(self) -> list[StagnatingFreelancer]:
        return [p for p in self.stagnating if p.last_invoice_month is None]

    @property
    def stagnating_invoiced(self) -> list[StagnatingFreelancer]:
        return [p for p in self.stagnating if p.last_invoice_month is not None]

    @property
    def total(self) -> MonthTurnover:
        """Every month of the mart summed (the total row of the monthly table)."""
        return MonthTurnover(
            month=self.months[0].month if self.months else self.as_of,
            turnover=sum((m.turnover for m in self.months), ZERO),
            blue=sum((m.blue for m in self.months), ZERO),
            green=sum((m.green for m in self.months), ZERO),
            complete=all(m.complete for m in self.months),
        )

    def last_month_comparison(self) -> MonthComparison | None:
        """The last complete month against the month before and the same month a year
        earlier (None where the series has no such month)."""
        last = self.last_complete_month
        if last is None:
            return None
        by_month = {m.month: m for m in self.months}
        before = (last - dt.timedelta(days=1)).replace(day=1)
        year_before = last.replace(year=last.year - 1)
        return MonthComparison(by_month[last], by_month.get(before), by_month.get(year_before))

    def year_to_date(self) -> YearToDate:
        """This year's complete months against the same months of last year (0 where the
        series had not started): a whole month compared with a whole month."""
        year = self.as_of.year
        through = self.last_complete_month
        if through is None or through.year != year:
            through = None
        by_month = {m.month: m for m in self.months}
        current = [
            m
            for m in self.months
            if through is not None and m.month.year == year and m.month <= through
        ]
        previous = [
            by_month[month]
            for month in (m.month.replace(year=year - 1) for m in current)
            if month in by_month
        ]
        return YearToDate(
            year=year,
            through=through,
            current=sum((m.turnover for m in current), ZERO),
            previous=sum((m.turnover for m in previous), ZERO),
            blue=sum((m.blue for m in current), ZERO),
            green=sum((m.green for m in current), ZERO),
        )


def gather_report_data(
    settings: Settings, published_at: int | dt.datetime | None = None
) -> ReportData:
    """Read every figure of the report, the lakehouse opened read-only and closed on return;
    `published_at`: from that kept publication instead (storage/versions.py)."""
    lakehouse = settings.lakehouse_file
    with (
        open_lakehouse(lakehouse, read_only=True)
        if published_at is None
        else open_publication(settings, published_at)
    ) as connection:
        try:
            data = _gather(connection, lakehouse)
            marts = read_publications(connection).get("marts")
            data.marts_published_at = marts.published_at if marts else None
        except duckdb.Error as error:
            raise DataPlatformError(
                f"cannot read the marts of {lakehouse}: {first_line(error)}"
            ) from error
    data.transform = last_transform(settings.last_transform_file)
    return data


def last_transform(record: Path) -> LastTransform | None:
    """The few facts the report shows of the last transform's record (through its one reader)."""
    run = load_run(record)
    if run is None:
        return None
    return LastTransform(
        generated_at=f"{company_time(run.finished_at or run.started_at)} ({run.state}"
        + (
            ", nothing changed since the last publication: nothing rebuilt)"
            if run.up_to_date
            else ")"
        ),
        tests=dict(sorted(run.tests.items())),
        warnings=[f"{outcome.name}: {outcome.message}" for outcome in run.warned],
        failures=[outcome.name for outcome in run.failed],
    )


def _gather(connection: duckdb.DuckDBPyConnection, lakehouse: Path) -> ReportData:
    catalog = _Catalog.read(connection)
    marts = catalog.tables("marts")
    missing = [name for name in REQUIRED_MARTS if name not in marts]
    if missing:
        raise DataPlatformError(
            f"lakehouse {lakehouse} has no marts.{missing[0]}: "
            "build the marts with `data-platform transform` first"
        )
    freshness = _freshness(connection, catalog)
    app = next((f for f in freshness if f.source == "app"), None)
    as_of = _parse_date(app.as_of) if app else _last_month(connection)
    has_complete = "is_complete" in catalog.columns_of("marts", "monthly_turnover")
    months = _months(connection, as_of, has_complete)
    last_complete = max((m.month for m in months if m.complete), default=None)
    window = _stagnation_window(last_complete)
    stagnating, stagnating_count = (
        _stagnating(connection, catalog, as_of, window) if window else ([], 0)
    )
    return ReportData(
        lakehouse=lakehouse,
        as_of=as_of,
        freshness=freshness,
        months=months,
        nps=_nps(connection),
        nps_months=_nps_months(connection, catalog) if "nps_monthly" in marts else None,
        stagnating=stagnating,
        stagnating_count=stagnating_count,
        stagnation_window=window,
        cohort_months=_cohort_months(connection),
        cohorts=_cohorts(connection),
        has_completeness_column=has_complete,
        anomalies=_anomalies(connection)
        if "invoice_reference_anomalies" in catalog.tables("intermediate")
        else [],
        reconciliation=_reconciliation(connection)
        if "invoices" in catalog.tables("intermediate")
        else None,
        restatements=_restatements_if_closed(connection) if "restatements" in marts else None,
    )


def _rows(
    connection: duckdb.DuckDBPyConnection, sql: str, parameters: Any = None
) -> list[tuple[Any, ...]]:
    return connection.execute(sql, parameters).fetchall()


@dataclass(frozen=True)
class _Catalog:
    """The relations (tables and views) of the lakehouse and their columns, read at once: the
    report asks about a dozen, and each question to DuckDB's information schema took about
    4 ms at scale 100, as long as reading them all."""

    columns: dict[tuple[str, str], set[str]]  # (schema, relation) -> its columns

    @classmethod
    def read(cls, connection: duckdb.DuckDBPyConnection) -> _Catalog:
        columns: dict[tuple[str, str], set[str]] = {}
        for schema, relation, column in _rows(
            connection,
            "select table_schema, table_name, column_name from information_schema.columns"
            " where table_catalog = current_database()",
        ):
            columns.setdefault((str(schema), str(relation)), set()).add(str(column))
        return cls(columns)

    def tables(self, schema: str) -> set[str]:
        return {relation for owner, relation in self.columns if owner == schema}

    def columns_of(self, schema: str, relation: str) -> set[str]:
        return self.columns.get((schema, relation), set())


def _parse_date(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10])


def _last_month(connection: duckdb.DuckDBPyConnection) -> dt.date:
    """Without extract metadata, the last day of the mart's last month stands for the as-of."""
    rows = _rows(connection, "select max(month) from marts.monthly_turnover")
    month: dt.date = rows[0][0] or dt.date.today().replace(day=1)
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _freshness(connection: duckdb.DuckDBPyConnection, catalog: _Catalog) -> list[Freshness]:
    """Each application's as-of and load instant, from `sources.<app>__extract_metadata`."""
    result = []
    for table in sorted(catalog.tables("sources")):
        if not table.endswith("__extract_metadata"):
            continue
        columns = catalog.columns_of("sources", table)
        if "as_of" not in columns:
            continue
        loaded = f"max({LOADED_AT})::timestamp" if LOADED_AT in columns else "null"
        ((as_of, loaded_at),) = _rows(
            connection, f'select max(as_of)::varchar, {loaded} from sources."{table}"'
        )
        if as_of is not None:
            result.append(Freshness(table.removesuffix("__extract_metadata"), as_of, loaded_at))
    return result


def _months(
    connection: duckdb.DuckDBPyConnection, as_of: dt.date, has_complete: bool
) -> list[MonthTurnover]:
    """Every month of `marts.monthly_turnover` (0 months included), with blue and green from
    `marts.turnover_by_cohort`; the mart's `is_complete` when it has one, else every month
    before the as-of month is complete, and the as-of month only on its last day."""
    complete = "m.is_complete" if has_complete else "null"
    rows = _rows(
        connection,
        f"""
        with entities as (
            select
                month,
                sum(turnover) filter (where entity = 'blue') as blue,
                sum(turnover) filter (where entity = 'green') as green
            from marts.turnover_by_cohort
            group by month
        )
        select m.month, m.turnover, coalesce(e.blue, 0), coalesce(e.green, 0), {complete}
        from marts.monthly_turnover as m
        left join entities as e on e.month = m.month
        order by m.month
        """,
    )
    month_end = calendar.monthrange(as_of.year, as_of.month)[1]
    as_of_month_complete = as_of.day == month_end
    as_of_month = as_of.replace(day=1)
    return [
        MonthTurnover(
            month=month,
            turnover=Decimal(turnover),
            blue=Decimal(blue),
            green=Decimal(green),
            complete=bool(flag)
            if flag is not None
            else (month < as_of_month or (month == as_of_month and as_of_month_complete)),
        )
        for month, turnover, blue, green, flag in rows
    ]


def _nps(connection: duckdb.DuckDBPyConnection) -> Nps:
    rows = _rows(
        connection, "select nps, respondents, promoters, passives, detractors from marts.nps"
    )
    if not rows:
        return Nps(None, 0, 0, 0, 0)
    nps, respondents, promoters, passives, detractors = rows[0]
    return Nps(nps, int(respondents), int(promoters), int(passives), int(detractors))


# The trailing-twelve-month form of marts.nps_monthly (read when the mart has them).
NPS_TRAILING_COLUMNS = ("answers_in_month", "nps_all_time", "is_observed", "is_complete")


def _nps_months(connection: duckdb.DuckDBPyConnection, catalog: _Catalog) -> list[NpsMonth]:
    columns = catalog.columns_of("marts", "nps_monthly")
    extra = [name if name in columns else f"null as {name}" for name in NPS_TRAILING_COLUMNS]
    rows = _rows(
        connection,
        f"select month, nps, respondents, {', '.join(extra)} from marts.nps_monthly order by month",
    )
    return [
        NpsMonth(
            month,
            nps,
            int(respondents or 0),
            None if answers is None else int(answers),
            all_time,
            None if observed is None else bool(observed),
            None if complete is None else bool(complete),
        )
        for month, nps, respondents, answers, all_time, observed, complete in rows
    ]


def _stagnation_window(last_complete: dt.date | None) -> tuple[dt.date, dt.date] | None:
    if last_complete is None:
        return None
    index = last_complete.year * 12 + last_complete.month - 1 - (STAGNATION_MONTHS - 1)
    return dt.date(index // 12, index % 12 + 1, 1), last_complete


def _stagnating(
    connection: duckdb.DuckDBPyConnection,
    catalog: _Catalog,
    as_of: dt.date,
    window: tuple[dt.date, dt.date],
) -> tuple[list[StagnatingFreelancer], int]:
    """The first STAGNATION_LISTED freelancers under a contract in each month of `window` and
    at the as-of date, who invoiced nothing since the window began (cumulative turnover flat);
    the rule of dbt/analyses/stagnating_freelancers.sql, counted in complete months; and how
    many there are in all."""
    with_email = "email" in catalog.columns_of("intermediate", "freelancers")
    email = "people.email" if with_email else "null as email"
    join = (
        "left join intermediate.freelancers as people "
        "on people.freelancer_id = freelancers.freelancer_id"
        if with_email
        else ""
    )
    rows = _rows(
        connection,
        f"""
        -- The rule reads the months since the window began (the unfinished month included: an
        -- invoice this month is not stagnation); only the few freelancers it keeps are read
        -- whole, for their cumulative turnover and last invoice. Grouping every row of the
        -- mart by freelancer took twice as long at scale 100.
        with stagnating as (
            select
                freelancer_id,
                any_value(entity) filter (where running) as entity,
                any_value(job_contract_start_date) filter (where running) as contract_start
            from (
                select
                    *,
                    month = date_trunc('month', $as_of::date)::date
                    and (job_contract_end_date is null or job_contract_end_date >= $as_of::date)
                        as running
                from marts.freelancer_cumulative_turnover
                where month >= $first
            )
            group by freelancer_id
            having
                count(distinct month) filter (where month <= $last) = $months
                and sum(turnover) = 0
                and bool_or(running)
        ),
        freelancers as (
            select
                freelancer_id,
                any_value(last_name) as last_name,
                any_value(first_name) as first_name,
                max(cumulative_turnover) as cumulative_turnover,
                max(month) filter (where turnover <> 0) as last_invoice_month
            from marts.freelancer_cumulative_turnover
            where freelancer_id in (select freelancer_id from stagnating)
            group by freelancer_id
        )
        select
            freelancers.freelancer_id, freelancers.last_name, freelancers.first_name, {email},
            stagnating.entity, stagnating.contract_start, cumulative_turnover,
            last_invoice_month, count(*) over () as how_many
        from freelancers
        join stagnating on stagnating.freelancer_id = freelancers.freelancer_id
        {join}
        order by
            cumulative_turnover desc, freelancers.last_name, freelancers.first_name,
            freelancers.freelancer_id
        limit $listed
        """,
        {
            "first": window[0],
            "last": window[1],
            "as_of": as_of,
            "months": STAGNATION_MONTHS,
            "listed": STAGNATION_LISTED,
        },
    )
    listed = [
        StagnatingFreelancer(
            int(freelancer_id),
            last_name or "",
            first_name or "",
            email,
            entity,
            start,
            Decimal(cumulative),
            last_invoice,
        )
        for (
            freelancer_id,
            last_name,
            first_name,
            email,
            entity,
            start,
            cumulative,
            last_invoice,
            _,
        ) in rows
    ]
    return listed, int(rows[0][-1]) if rows else 0


def _cohort_months(connection: duckdb.DuckDBPyConnection) -> list[CohortMonth]:
    rows = _rows(
        connection,
        "select cohort, month, sum(turnover) from marts.turnover_by_cohort "
        "group by cohort, month order by cohort, month",
    )
    return [CohortMonth(cohort, month, Decimal(turnover)) for cohort, month, turnover in rows]


def _cohorts(connection: duckdb.DuckDBPyConnection) -> list[Cohort]:
    rows = _rows(
        connection,
        "select cohort, count(distinct freelancer_id), sum(turnover) "
        "from marts.turnover_by_cohort group by cohort order by cohort",
    )
    return [Cohort(cohort, int(people), Decimal(turnover)) for cohort, people, turnover in rows]


def _anomalies(connection: duckdb.DuckDBPyConnection) -> list[ReferenceAnomaly]:
    """The invoice references' anomalies, as the transform found them
    (`intermediate.invoice_reference_anomalies`, the rows of the warning
    `invoice_references_are_consecutive`), in plain words, each with the invoices around it:
    the last invoice before a gap and the first after it, the invoices holding a duplicated
    reference, the invoice with a malformed one."""
    anomalies: list[ReferenceAnomaly] = []
    for first, last in _rows(
        connection,
        f"select first_missing_number, last_missing_number from {ANOMALIES}"
        " where anomaly = 'missing' order by first_missing_number",
    ):
        first, last = int(first), int(last)
        what = _reference(first) if first == last else f"{_reference(first)} to {_reference(last)}"
        neighbours = _invoices(connection, "reference_number in (?, ?)", [first - 1, last + 1])
        dated = " and ".join(
            f"{invoice.reference} dated {invoice.issue_date.isoformat()}" for invoice in neighbours
        )
        count_text = "is" if first == last else f"({last - first + 1} references) are"
        anomalies.append(
            ReferenceAnomaly(
                "missing",
                what,
                f"Invoice reference {what} {count_text} missing from the sequence"
                + (f", between {dated}." if dated else "."),
                neighbours,
            )
        )
    for (reference,) in _rows(
        connection,
        f"select distinct reference from {ANOMALIES} where anomaly = 'duplicated'"
        " order by reference",
    ):
        holders = _invoices(connection, "reference = ?", [reference])
        ids = ", ".join(str(invoice.invoice_id) for invoice in holders)
        anomalies.append(
            ReferenceAnomaly(
                "duplicated",
                str(reference),
                f"Invoice reference {reference} is used by {len(holders)} invoices ({ids}).",
                holders,
            )
        )
    malformed = f"invoice_id in (select invoice_id from {ANOMALIES} where anomaly = 'malformed')"
    for invoice in _invoices(connection, malformed, []):
        shown = "no reference" if invoice.reference is None else f"reference {invoice.reference!r}"
        anomalies.append(
            ReferenceAnomaly(
                "malformed",
                invoice.reference or "NULL",
                f"Invoice {invoice.invoice_id} has {shown}, not JMP followed by 8 digits.",
                [invoice],
            )
        )
    return anomalies


def _reference(number: int) -> str:
    return f"JMP{number:08d}"


def _invoices(
    connection: duckdb.DuckDBPyConnection, condition: str, parameters: list[Any]
) -> list[Invoice]:
    rows = _rows(
        connection,
        "select invoice_id, reference, issue_date, amount from intermediate.invoices "
        f"where {condition} order by reference_number nulls last, invoice_id limit 50",
        parameters,
    )
    return [
        Invoice(int(invoice_id), reference, issue_date, Decimal(amount))
        for invoice_id, reference, issue_date, amount in rows
    ]


def _reconciliation(connection: duckdb.DuckDBPyConnection) -> Reconciliation:
    ((invoices, monthly, cohorts),) = _rows(
        connection,
        """
        select
            (select coalesce(sum(amount), 0) from intermediate.invoices),
            (select coalesce(sum(turnover), 0) from marts.monthly_turnover),
            (select coalesce(sum(turnover), 0) from marts.turnover_by_cohort)
        """,
    )
    return Reconciliation(Decimal(invoices), Decimal(monthly), Decimal(cohorts))


def _restatements_if_closed(connection: duckdb.DuckDBPyConnection) -> list[Restatement] | None:
    """The restatements; None while no month was ever closed (nothing to restate yet)."""
    rows = _restatements(connection)
    if rows:
        return rows
    return [] if table_exists(connection, CLOSES_TABLE) else None


def _restatements(connection: duckdb.DuckDBPyConnection) -> list[Restatement]:
    rows = _rows(
        connection,
        "select month, mart, figure_key, measure, closed_value, current_value, difference, "
        "changed_app_rows, closed_at from marts.restatements "
        "order by month, mart, figure_key, measure",
    )
    return [
        Restatement(
            month,
            str(mart),
            str(key),
            str(measure),
            Decimal(closed if closed is not None else 0),
            Decimal(current if current is not None else 0),
            Decimal(difference if difference is not None else 0),
            changed,
            closed_at,
        )
        for month, mart, key, measure, closed, current, difference, changed, closed_at in rows
    ]
