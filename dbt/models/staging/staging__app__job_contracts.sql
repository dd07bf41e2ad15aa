-- The App's job contracts, typed; a NULL end date means the contract is still running.
with source as (
    select * from {{ source('app', 'job_contracts') }}
)

select
    cast(id as bigint) as job_contract_id,
    cast(user_id as bigint) as user_id,
    cast(start_date as date) as start_date,
    cast(nullif(trim(end_date), '') as date) as end_date,
    cast(created_at as timestamp) as created_at,
    cast(updated_at as timestamp) as updated_at,
    _loaded_at,
    lower(trim(entity)) as entity
from source
