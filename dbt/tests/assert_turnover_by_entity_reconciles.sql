-- Jump Blue and Jump Green are distinct legal entities: an invoice's turnover belongs to the
-- entity of the contract it was issued under. Month by month, each entity's turnover in
-- marts.turnover_by_cohort equals the sum of the invoices whose own contract is of that entity
-- (read from the contracts, not from the copy on the invoice). Failing rows: the entity and
-- month, with both totals. A closed month keeps its closed figures in the mart: its
-- restatements' differences are added back (the figure key is `<freelancer>/<entity>`).
{{ config(tags=['marts']) }}

with restated as (
    select
        {{ dbt.split_part('figure_key', "'/'", 2) }} as entity,
        month,
        sum(difference) as difference
    from {{ ref('marts__restatements') }}
    where mart = 'turnover_by_cohort' and measure = 'turnover'
    group by {{ dbt.split_part('figure_key', "'/'", 2) }}, month
),

invoiced as (
    select
        contracts.entity,
        invoices.issue_month as month,
        sum(invoices.amount) as invoices_total
    from {{ ref('intermediate__invoices') }} as invoices
    inner join {{ ref('intermediate__job_contracts') }} as contracts
        on invoices.job_contract_id = contracts.job_contract_id
    group by contracts.entity, invoices.issue_month
),

mart as (
    select
        entity,
        month,
        sum(turnover) as mart_total
    from {{ ref('marts__turnover_by_cohort') }}
    group by entity, month
),

reported as (
    select
        coalesce(mart.entity, restated.entity) as entity,
        coalesce(mart.month, restated.month) as month,
        coalesce(mart.mart_total, 0) + coalesce(restated.difference, 0) as mart_total
    from mart
    full outer join restated
        on mart.entity = restated.entity and mart.month = restated.month
)

select
    coalesce(invoiced.entity, reported.entity) as entity,
    coalesce(invoiced.month, reported.month) as month,
    coalesce(invoiced.invoices_total, 0) as invoices_total,
    coalesce(reported.mart_total, 0) as mart_total
from invoiced
full outer join reported
    on invoiced.entity = reported.entity and invoiced.month = reported.month
where coalesce(invoiced.invoices_total, 0) != coalesce(reported.mart_total, 0)
