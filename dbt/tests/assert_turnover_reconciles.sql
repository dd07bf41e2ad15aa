-- Reconciliation, to the cent: the total turnover of every mart equals the intermediate
-- invoices' total, which equals the sources' total (each raw amount rounded to the cent).
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
        ) as cumulative_turnover_total,
        (
            -- The last cumulative value of each freelancer is their whole turnover.
            select coalesce(sum(cumulative_turnover), 0)
            from (
                select
                    cumulative_turnover,
                    row_number() over (
                        partition by freelancer_id
                        order by month desc, job_contract_start_date desc, job_contract_id desc
                    ) as recency_rank
                from {{ ref('marts__freelancer_cumulative_turnover') }}
            ) as last_rows
            where recency_rank = 1
        ) as cumulative_last_total
)

select *
from totals
where
    intermediate_total != sources_total
    or monthly_turnover_total != sources_total
    or turnover_by_cohort_total != sources_total
    or cumulative_turnover_total != sources_total
    or cumulative_last_total != sources_total
