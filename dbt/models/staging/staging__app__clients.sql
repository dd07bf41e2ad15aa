-- The App's clients, typed. Two clients may share a name: the id alone identifies a client.
with source as (
    select * from {{ source('app', 'clients') }}
)

select
    cast(id as bigint) as client_id,
    cast(created_at as timestamp) as created_at,
    cast(updated_at as timestamp) as updated_at,
    _loaded_at,
    trim(name) as client_name
from source
