-- Reconciliation, to the cent: the total turnover of every mart equals the intermediate
-- invoices' total, which equals the sources' total (each raw amount rounded to the cent). The
-- running sums of the cumulative mart are checked by its unit test and the end-to-end pytest.
-- One failing row listing every total when any differs.
{{ config(tags=['marts']) }}

with totals as (
    select
        (
            select coalesce(sum(cast(amount as decimal(18, 2))), 0)
            from {{ source('app', 'invoices') }}
        ) as sources_total,
        (
            select coalesce(sum(amount), 0) from {{ ref('intermediate__invoices') }}
        ) as intermediate_total,
        (
            select coalesce(sum(turnover), 0) from {{ ref('marts__monthly_turnover') }}
        ) as monthly_turnover_total,
        (
            select coalesce(sum(turnover), 0) from {{ ref('marts__turnover_by_cohort') }}
        ) as turnover_by_cohort_total,
        (
            select coalesce(sum(turnover), 0)
            from {{ ref('marts__freelancer_cumulative_turnover') }}
        ) as cumulative_turnover_total
)

select *
from totals
where
    intermediate_total != sources_total
    or monthly_turnover_total != sources_total
    or turnover_by_cohort_total != sources_total
    or cumulative_turnover_total != sources_total
