-- One row per job contract, keyed and tied to its freelancer; `end_date` NULL while running.
with contracts as (
    select * from {{ ref('staging__app__job_contracts') }}
)

select
    {{ surrogate_key(['job_contract_id']) }} as job_contract_key,
    job_contract_id,
    {{ surrogate_key(['user_id']) }} as freelancer_key,
    user_id as freelancer_id,
    entity,
    start_date,
    end_date,
    end_date is null as is_running,
    row_number() over (
        partition by user_id order by start_date, job_contract_id
    ) as contract_number,
    created_at,
    updated_at
from contracts
