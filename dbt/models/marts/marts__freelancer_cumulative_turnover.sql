-- The Care team's cumulative turnover: one row per job contract and month it ran (its start month
-- through its end month, or through the as-of month while it runs), with the turnover invoiced
-- under that contract that month and the freelancer's cumulative turnover, all contracts
-- together, up to that row. Months between two contracts have no row; the cumulative sum simply
-- resumes with the next contract.
with contracts as (
    select * from {{ ref('intermediate__job_contracts') }}
),

freelances as (
    select freelancer_id, last_name, first_name from {{ ref('intermediate__freelances') }}
),

months as (
    select month, as_of_month from {{ ref('intermediate__months') }}
),

contract_months as (
    select
        contracts.freelancer_id,
        contracts.job_contract_id,
        contracts.start_date,
        contracts.end_date,
        contracts.entity,
        months.month
    from contracts
    inner join months
        on
            months.month >= {{ month_of('contracts.start_date') }}
            and months.month <= coalesce({{ month_of('contracts.end_date') }}, months.as_of_month)
),

turnover as (
    select
        job_contract_id,
        issue_month,
        sum(amount) as turnover
    from {{ ref('intermediate__invoices') }}
    group by job_contract_id, issue_month
),

monthly as (
    select
        contract_months.*,
        coalesce(turnover.turnover, 0) as turnover
    from contract_months
    left join turnover
        on
            contract_months.job_contract_id = turnover.job_contract_id
            and contract_months.month = turnover.issue_month
)

select
    monthly.freelancer_id,
    freelances.last_name,
    freelances.first_name,
    monthly.job_contract_id,
    monthly.start_date as job_contract_start_date,
    monthly.end_date as job_contract_end_date,
    monthly.entity,
    monthly.month,
    cast(monthly.turnover as decimal(18, 2)) as turnover,
    cast(
        sum(monthly.turnover) over (
            partition by monthly.freelancer_id
            order by monthly.month, monthly.start_date, monthly.job_contract_id
            rows between unbounded preceding and current row
        )
        as decimal(18, 2)
    ) as cumulative_turnover
from monthly
left join freelances on monthly.freelancer_id = freelances.freelancer_id
