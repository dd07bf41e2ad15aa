-- The auditor's turnover by cohort: one row per freelancer and month, from the freelancer's cohort
-- month (their first job contract's start) to the as-of month, 0 in a month without invoices.
-- `entity` is that of the latest contract started by the end of the month: the running contract,
-- or during a gap between contracts the one that ended last.
with freelances as (
    select freelancer_id, last_name, first_name, cohort
    from {{ ref('intermediate__freelances') }}
    -- A user who never held a contract has no cohort and no turnover.
    where cohort is not null
),

months as (
    select month, month_end_date from {{ ref('intermediate__months') }}
),

contracts as (
    select freelancer_id, job_contract_id, entity, start_date
    from {{ ref('intermediate__job_contracts') }}
),

turnover as (
    select
        freelancer_id,
        issue_month,
        sum(amount) as turnover
    from {{ ref('intermediate__invoices') }}
    group by freelancer_id, issue_month
),

freelancer_months as (
    select
        freelances.freelancer_id,
        freelances.last_name,
        freelances.first_name,
        freelances.cohort,
        months.month,
        months.month_end_date
    from freelances
    inner join months on months.month >= freelances.cohort
),

month_entities as (
    select
        freelancer_months.freelancer_id,
        freelancer_months.month,
        contracts.entity,
        row_number() over (
            partition by freelancer_months.freelancer_id, freelancer_months.month
            order by contracts.start_date desc, contracts.job_contract_id desc
        ) as recency_rank
    from freelancer_months
    inner join contracts
        on
            freelancer_months.freelancer_id = contracts.freelancer_id
            and contracts.start_date <= freelancer_months.month_end_date
)

select
    freelancer_months.freelancer_id,
    freelancer_months.last_name,
    freelancer_months.first_name,
    freelancer_months.cohort,
    month_entities.entity,
    freelancer_months.month,
    cast(coalesce(turnover.turnover, 0) as decimal(18, 2)) as turnover
from freelancer_months
inner join month_entities
    on
        freelancer_months.freelancer_id = month_entities.freelancer_id
        and freelancer_months.month = month_entities.month
        and month_entities.recency_rank = 1
left join turnover
    on
        freelancer_months.freelancer_id = turnover.freelancer_id
        and freelancer_months.month = turnover.issue_month
order by freelancer_months.freelancer_id, freelancer_months.month
