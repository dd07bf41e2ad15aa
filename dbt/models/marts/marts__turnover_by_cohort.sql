-- The auditor's turnover by cohort: per freelancer and month, from the freelancer's cohort month
-- (their first job contract's start) to the as-of month, one row per entity whose contracts
-- invoiced that month, with that turnover: an invoice belongs to the entity of its own contract.
-- A month without invoices has one row with 0, under the entity of the latest contract started
-- by the end of the month (the running contract, or during a gap the one that ended last).
--
-- Incremental by freelancer: a build recomputes only the freelancers whose user row, contracts,
-- invoices or calendar changed since the last build (macros/freelancer_inputs.sql); the same
-- rows as a full build (a test compares them).
{{ incremental_by_freelancer() }}
with freelancers as (
    select
        freelancer_id,
        last_name,
        first_name,
        cohort
    from {{ ref('intermediate__freelancer_cohorts') }}
    -- A user who never held a contract has no cohort and no turnover.
    where cohort is not null and {{ changed_freelancers() }}
),

months as (
    select month from {{ ref('intermediate__months') }}
),

contracts as (
    select
        freelancer_id,
        job_contract_id,
        entity,
        start_date
    from {{ ref('intermediate__job_contracts') }}
    where {{ changed_freelancers() }}
),

turnover as (
    -- `entity` of an invoice: that of the contract it was issued under.
    select
        freelancer_id,
        issue_month,
        entity,
        sum(amount) as turnover
    from {{ ref('intermediate__invoices') }}
    where {{ changed_freelancers() }}
    group by freelancer_id, issue_month, entity
),

contract_periods as (
    -- Each contract gives the entity from its start month until the month the next contract
    -- starts: through a gap it stays the entity of the contract that ended last.
    select
        freelancer_id,
        entity,
        {{ month_of('start_date') }} as from_month,
        lead({{ month_of('start_date') }}) over (
            partition by freelancer_id order by start_date, job_contract_id
        ) as until_month
    from contracts
),

freelancer_months as (
    select
        contract_periods.freelancer_id,
        contract_periods.entity,
        months.month
    from contract_periods
    inner join months
        on
            contract_periods.from_month <= months.month
            and (
                contract_periods.until_month is null
                or contract_periods.until_month > months.month
            )
-- A contract followed by another starting the same month has an empty period: the later
-- contract gives that month's entity.
)
{% call apply_closed_figures('turnover_by_cohort') %}
    select
        freelancer_months.freelancer_id,
        freelancers.last_name,
        freelancers.first_name,
        freelancers.cohort,
        -- A month with invoices: one row per issuing entity; without: the month's contract's.
        coalesce(turnover.entity, freelancer_months.entity) as entity,
        freelancer_months.month,
        cast(coalesce(turnover.turnover, 0) as decimal(18, 2)) as turnover,
        {{ is_complete('freelancer_months.month') }} as is_complete
    from freelancer_months
    inner join freelancers on freelancer_months.freelancer_id = freelancers.freelancer_id
    left join turnover
        on
            freelancer_months.freelancer_id = turnover.freelancer_id
            and freelancer_months.month = turnover.issue_month
{% endcall %}
