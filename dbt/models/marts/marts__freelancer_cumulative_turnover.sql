-- The Care team's cumulative turnover: one row per job contract and month it ran (its start month
-- through its end month, or through the as-of month while it runs), with the turnover invoiced
-- under that contract that month and the freelancer's cumulative turnover, all contracts
-- together, up to that row. Months between two contracts have no row; the cumulative sum simply
-- resumes with the next contract.
--
-- How, cheaply: a running sum over the millions of contract-month rows would sort them all.
-- Instead the sums are taken where they change - at the months with invoices, far fewer - and
-- each contract's months are then generated with the sum in force: the freelancer's turnover
-- under earlier contracts plus the contract's own up to that month. A freelancer's contracts
-- never overlap (the error-level test assert_job_contracts_do_not_overlap, which `dbt build`
-- runs before this model), so "earlier contracts" are simply those that started earlier.
--
-- Incremental by freelancer: a build recomputes only the freelancers whose user row, contracts,
-- invoices or calendar changed since the last build (macros/freelancer_inputs.sql); the same
-- rows as a full build (a test compares them).
{{ incremental_by_freelancer() }}
with contracts as (
    select
        freelancer_id,
        job_contract_id,
        start_date,
        end_date,
        entity,
        {{ month_of('start_date') }} as first_month,
        -- Cut at the calendar's last month, the as-of month (or a later invoice's). No
        -- calendar (no invoice yet): no month (`least` would skip the NULL).
        case
            when
                (select max(calendar.month) from {{ ref('intermediate__months') }} as calendar)
                is not null
                then
                    least(
                        coalesce(
                            {{ month_of('end_date') }},
                            (
                                select max(calendar.as_of_month)
                                from {{ ref('intermediate__months') }} as calendar
                            )
                        ),
                        (
                            select max(calendar.month)
                            from {{ ref('intermediate__months') }} as calendar
                        )
                    )
        end as last_month
    from {{ ref('intermediate__job_contracts') }}
    where {{ changed_freelancers() }}
),

freelancers as (
    select
        freelancer_id,
        last_name,
        first_name
    from {{ ref('intermediate__freelancer_cohorts') }}
    where {{ changed_freelancers() }}
),

invoiced as (
    select
        job_contract_id,
        issue_month,
        sum(amount) as turnover
    from {{ ref('intermediate__invoices') }}
    where {{ changed_freelancers() }}
    group by job_contract_id, issue_month
),

invoiced_months as (
    -- Each contract's months with invoices (within the months it ran), the contract's running
    -- total, and its next month with invoices.
    select
        invoiced.job_contract_id,
        invoiced.issue_month as month,
        invoiced.turnover,
        sum(invoiced.turnover) over (
            partition by invoiced.job_contract_id
            order by invoiced.issue_month
            rows between unbounded preceding and current row
        ) as contract_running_turnover,
        lead(invoiced.issue_month) over (
            partition by invoiced.job_contract_id order by invoiced.issue_month
        ) as next_invoiced_month
    from invoiced
    inner join contracts
        on
            invoiced.job_contract_id = contracts.job_contract_id
            and invoiced.issue_month between contracts.first_month and contracts.last_month
),

contract_totals as (
    select
        job_contract_id,
        sum(turnover) as turnover,
        min(month) as first_invoiced_month
    from invoiced_months
    group by job_contract_id
),

contracts_after as (
    -- Each contract with the freelancer's turnover under the contracts that started before it.
    select
        contracts.*,
        contract_totals.first_invoiced_month,
        {{ earlier_contracts_turnover('contract_totals.turnover') }} as earlier_turnover
    from contracts
    left join contract_totals on contracts.job_contract_id = contract_totals.job_contract_id
),

stretches as (
    -- Runs of months with the same cumulative turnover: from a contract's start to its first
    -- invoiced month (nothing invoiced yet), then from each invoiced month to the next.
    select
        freelancer_id,
        job_contract_id,
        start_date,
        end_date,
        entity,
        first_month as from_month,
        coalesce(
            cast({{ dbt.dateadd('month', -1, 'first_invoiced_month') }} as date), last_month
        ) as to_month,
        0 as turnover,
        earlier_turnover as cumulative_turnover
    from contracts_after
    where first_invoiced_month is null or first_invoiced_month > first_month

    union all

    select
        contracts_after.freelancer_id,
        contracts_after.job_contract_id,
        contracts_after.start_date,
        contracts_after.end_date,
        contracts_after.entity,
        invoiced_months.month as from_month,
        coalesce(
            cast({{ dbt.dateadd('month', -1, 'invoiced_months.next_invoiced_month') }} as date),
            contracts_after.last_month
        ) as to_month,
        invoiced_months.turnover,
        contracts_after.earlier_turnover + invoiced_months.contract_running_turnover
            as cumulative_turnover
    from invoiced_months
    inner join contracts_after on invoiced_months.job_contract_id = contracts_after.job_contract_id
),

monthly as (
    select
        *,
        {{ month_series('from_month', 'to_month') }} as month
    from stretches
    where from_month <= to_month
)
{% call apply_closed_figures('freelancer_cumulative_turnover') %}
    select
        monthly.freelancer_id,
        freelancers.last_name,
        freelancers.first_name,
        monthly.job_contract_id,
        monthly.start_date as job_contract_start_date,
        monthly.end_date as job_contract_end_date,
        monthly.entity,
        monthly.month,
        -- The stretch's first month holds its invoices; the months after it, none.
        cast(
            case when monthly.month = monthly.from_month then monthly.turnover else 0 end as decimal(
                18, 2
            )
        )
            as turnover,
        cast(monthly.cumulative_turnover as decimal(18, 2)) as cumulative_turnover,
        {{ is_complete('monthly.month') }} as is_complete
    from monthly
    left join freelancers on monthly.freelancer_id = freelancers.freelancer_id
{% endcall %}
