-- One row per App client. Two clients sharing a name stay two clients: the id identifies them.
with clients as (
    select * from {{ ref('staging__app__clients') }}
)

select
    {{ surrogate_key(['client_id']) }} as client_key,
    client_id,
    client_name,
    created_at,
    updated_at
from clients
