-- Freelancers whose cumulative turnover has not grown over the last three months while a
-- contract is running: the Care team's list to call. Compile with `dbt compile` and run the
-- SQL in target/compiled (or paste it into `data-platform query`).
with recent as (
    select
        freelancer_id,
        last_name,
        first_name,
        entity,
        month,
        cumulative_turnover,
        job_contract_end_date
    from {{ ref('marts__freelancer_cumulative_turnover') }}
    where month > (
        select {{ dbt.dateadd('month', -3, 'max(month)') }}
        from {{ ref('marts__freelancer_cumulative_turnover') }}
    )
)

select
    freelancer_id,
    last_name,
    first_name,
    max(entity) as entity,
    max(cumulative_turnover) as cumulative_turnover
from recent
where job_contract_end_date is null
group by freelancer_id, last_name, first_name
having min(cumulative_turnover) = max(cumulative_turnover) and count(*) = 3
