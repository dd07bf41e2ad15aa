"""What the report shows, read from the marts (read-only) and dbt's record of the last transform."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from jump.data_platform.errors import DataPlatformError, first_line
from jump.data_platform.lakehouse import open_lakehouse
from jump.data_platform.settings import Settings
from jump.data_platform.sources.contract import LOADED_AT
from jump.data_platform.storage.versions import open_publication
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
    month: dt.date
    nps: Decimal | None
    respondents: int


@dataclass(frozen=True)
class StagnatingFreelancer:
    freelancer_id: int
    last_name: str
    first_name: str
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
class Restatement:
    """A closed figure that differs today (a row of `marts.restatements`)."""

    month: dt.date
    mart: str
    figure_key: str
    measure: str
    closed_value: Decimal | None
    current_value: Decimal | None
    difference: Decimal | None
    changed_app_rows: str | None
    closed_at: dt.datetime

    @property
    def in_euros(self) -> bool:
        return "turnover" in self.measure


@dataclass(frozen=True)
class LastTransform:
    """The last transform as dbt recorded it (None fields: no transform recorded)."""

    generated_at: str
    tests: dict[str, int]  # status -> count, data tests and unit tests
    warnings: list[str]  # warning tests: the invoice-reference gap among them
    failures: list[str]


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
    # Closed figures that differ today (month close); empty before the first close.
    restatements: list[Restatement] = field(default_factory=list)
    # When the marts it shows were published (UTC); None for a lakehouse never published.
    marts_published_at: dt.datetime | None = None
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def last_complete_month(self) -> dt.date | None:
        return max((m.month for m in self.months if m.complete), default=None)

    @property
    def unfinished(self) -> list[MonthTurnover]:
        return [m for m in self.months if not m.complete]

    @property
    def restated_months(self) -> set[dt.date]:
        return {restatement.month for restatement in self.restatements}

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
        generated_at=f"{(run.finished_at or run.started_at):%Y-%m-%d %H:%M:%S} UTC ({run.state})",
        tests=dict(sorted(run.tests.items())),
        warnings=[f"{outcome.name}: {outcome.message}" for outcome in run.warned],
        failures=[outcome.name for outcome in run.failed],
    )


def _gather(connection: duckdb.DuckDBPyConnection, lakehouse: Path) -> ReportData:
    marts = _tables(connection, "marts")
    missing = [name for name in REQUIRED_MARTS if name not in marts]
    if missing:
        raise DataPlatformError(
            f"lakehouse {lakehouse} has no marts.{missing[0]}: "
            "build the marts with `data-platform transform` first"
        )
    freshness = _freshness(connection)
    app = next((f for f in freshness if f.source == "app"), None)
    as_of = _parse_date(app.as_of) if app else _last_month(connection)
    has_complete = "is_complete" in _columns(connection, "marts", "monthly_turnover")
    months = _months(connection, as_of, has_complete)
    last_complete = max((m.month for m in months if m.complete), default=None)
    window = _stagnation_window(last_complete)
    stagnating, stagnating_count = _stagnating(connection, as_of, window) if window else ([], 0)
    return ReportData(
        lakehouse=lakehouse,
        as_of=as_of,
        freshness=freshness,
        months=months,
        nps=_nps(connection),
        nps_months=_nps_months(connection) if "nps_monthly" in marts else None,
        stagnating=stagnating,
        stagnating_count=stagnating_count,
        stagnation_window=window,
        cohort_months=_cohort_months(connection),
        cohorts=_cohorts(connection),
        has_completeness_column=has_complete,
        restatements=_restatements(connection) if "restatements" in marts else [],
    )


def _rows(
    connection: duckdb.DuckDBPyConnection, sql: str, parameters: Any = None
) -> list[tuple[Any, ...]]:
    return connection.execute(sql, parameters).fetchall()


def _tables(connection: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    rows = _rows(
        connection,
        "select table_name from information_schema.tables "
        "where table_catalog = current_database() and table_schema = ?",
        [schema],
    )
    return {name for (name,) in rows}


def _columns(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    rows = _rows(
        connection,
        "select column_name from information_schema.columns "
        "where table_catalog = current_database() and table_schema = ? and table_name = ?",
        [schema, table],
    )
    return {name for (name,) in rows}


def _parse_date(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10])


def _last_month(connection: duckdb.DuckDBPyConnection) -> dt.date:
    """Without extract metadata, the last day of the mart's last month stands for the as-of."""
    rows = _rows(connection, "select max(month) from marts.monthly_turnover")
    month: dt.date = rows[0][0] or dt.date.today().replace(day=1)
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _freshness(connection: duckdb.DuckDBPyConnection) -> list[Freshness]:
    """Each application's as-of and load instant, from `sources.<app>__extract_metadata`."""
    result = []
    for table in sorted(_tables(connection, "sources")):
        if not table.endswith("__extract_metadata"):
            continue
        columns = _columns(connection, "sources", table)
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


def _restatements(connection: duckdb.DuckDBPyConnection) -> list[Restatement]:
    rows = _rows(
        connection,
        "select month, mart, figure_key, measure, closed_value, current_value, difference,"
        " changed_app_rows, closed_at from marts.restatements"
        " order by month, mart, figure_key, measure",
    )
    return [Restatement(*row) for row in rows]


def _nps_months(connection: duckdb.DuckDBPyConnection) -> list[NpsMonth]:
    rows = _rows(connection, "select month, nps, respondents from marts.nps_monthly order by month")
    return [NpsMonth(month, nps, int(respondents or 0)) for month, nps, respondents in rows]


def _stagnation_window(last_complete: dt.date | None) -> tuple[dt.date, dt.date] | None:
    if last_complete is None:
        return None
    index = last_complete.year * 12 + last_complete.month - 1 - (STAGNATION_MONTHS - 1)
    return dt.date(index // 12, index % 12 + 1, 1), last_complete


def _stagnating(
    connection: duckdb.DuckDBPyConnection, as_of: dt.date, window: tuple[dt.date, dt.date]
) -> tuple[list[StagnatingFreelancer], int]:
    """The first STAGNATION_LISTED freelancers under a contract in each month of `window` and at the as-of date, who
    invoiced nothing since the window began (cumulative turnover flat); the rule of
    dbt/analyses/stagnating_freelancers.sql, counted in complete months; and how many there
    are in all."""
    rows = _rows(
        connection,
        """
        -- One pass over the mart: per freelancer, the window's months under a contract, what
        -- was invoiced since the window began (the unfinished month included: an invoice this
        -- month is not stagnation), and the contract running at the as-of date.
        with freelancers as (
            select
                freelancer_id,
                any_value(last_name) as last_name,
                any_value(first_name) as first_name,
                count(distinct month) filter (where month between $first and $last) as months,
                coalesce(sum(turnover) filter (where month >= $first), 0) as recent_turnover,
                max(cumulative_turnover) as cumulative_turnover,
                max(month) filter (where turnover <> 0) as last_invoice_month,
                any_value(entity) filter (where running) as entity,
                any_value(job_contract_start_date) filter (where running) as contract_start
            from (
                select
                    *,
                    month = date_trunc('month', $as_of::date)::date
                    and (job_contract_end_date is null or job_contract_end_date >= $as_of::date)
                        as running
                from marts.freelancer_cumulative_turnover
            )
            group by freelancer_id
        )
        select
            freelancer_id, last_name, first_name, entity, contract_start, cumulative_turnover,
            last_invoice_month, count(*) over () as how_many
        from freelancers
        where contract_start is not null and months = $months and recent_turnover = 0
        order by cumulative_turnover desc, last_name, first_name, freelancer_id
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
            entity,
            start,
            Decimal(cumulative),
            last_invoice,
        )
        for freelancer_id, last_name, first_name, entity, start, cumulative, last_invoice, _ in rows
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
