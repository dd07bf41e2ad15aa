-- The App's freelancers, typed and with names normalised for matching with the CRM.
with source as (
    select * from {{ source('app', 'users') }}
)

select
    cast(id as bigint) as user_id,
    trim(first_name) as first_name,
    trim(last_name) as last_name,
    {{ normalize_email('email') }} as email,
    {{ normalize_name('first_name') }} as first_name_normalized,
    {{ normalize_name('last_name') }} as last_name_normalized,
    cast(created_at as timestamp) as created_at,
    cast(updated_at as timestamp) as updated_at,
    _loaded_at
from source
