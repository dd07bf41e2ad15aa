-- Reconciliation, to the cent: the total turnover of every mart equals the intermediate
-- invoices' total, which equals the sources' total (each raw amount rounded to the cent). The
-- running sums of the cumulative mart are checked by its unit test and the end-to-end pytest.
-- One failing row listing every total when any differs. A closed month keeps its closed
-- figures in the marts: each mart's total is taken with its restatements' differences added
-- (marts.restatements), which gives today's total.
{{ config(tags=['marts']) }}

with restated as (
    select
        coalesce(sum(case when mart = 'monthly_turnover' then difference end), 0)
            as monthly_turnover,
        coalesce(sum(case when mart = 'turnover_by_cohort' then difference end), 0)
            as turnover_by_cohort,
        coalesce(sum(case when mart = 'freelancer_cumulative_turnover' then difference end), 0)
            as freelancer_cumulative_turnover
    from {{ ref('marts__restatements') }}
    where measure = 'turnover'
),

marts_totals as (
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
),

totals as (
    select
        marts_totals.sources_total,
        marts_totals.intermediate_total,
        marts_totals.monthly_turnover_total + restated.monthly_turnover
            as monthly_turnover_total,
        marts_totals.turnover_by_cohort_total + restated.turnover_by_cohort
            as turnover_by_cohort_total,
        marts_totals.cumulative_turnover_total + restated.freelancer_cumulative_turnover
            as cumulative_turnover_total
    from marts_totals
    cross join restated
)

select *
from totals
where
    intermediate_total != sources_total
    or monthly_turnover_total != sources_total
    or turnover_by_cohort_total != sources_total
    or cumulative_turnover_total != sources_total
