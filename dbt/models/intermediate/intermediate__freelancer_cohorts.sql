-- One row per App user (freelancer) as the App alone describes them, with their cohort: the
-- month of their first job contract start (when they joined Jump). The turnover marts read this
-- model, not intermediate.freelancers, so that a change in the CRM rebuilds none of them.
with users as (
    select * from {{ ref('staging__app__users') }}
),

first_contracts as (
    select
        user_id,
        min(start_date) as first_contract_start_date
    from {{ ref('staging__app__job_contracts') }}
    group by user_id
)

select
    {{ surrogate_key(['users.user_id']) }} as freelancer_key,
    users.user_id as freelancer_id,
    users.last_name,
    users.first_name,
    users.email,
    first_contracts.first_contract_start_date,
    {{ month_of('first_contracts.first_contract_start_date') }} as cohort,
    users.created_at,
    users.updated_at
from users
left join first_contracts on users.user_id = first_contracts.user_id
