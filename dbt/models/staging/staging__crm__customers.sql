-- The CRM's customers, typed and cleaned, one row per normalised email: the CRM is typed in by
-- people and holds duplicates; the latest update wins (then the highest id).
with source as (
    select * from {{ source('crm', 'customers') }}
),

cleaned as (
    select
        cast(id as bigint) as customer_id,
        trim(last_name) as last_name,
        trim(first_name) as first_name,
        {{ normalize_email('email') }} as email,
        {{ normalize_name('last_name') }} as last_name_normalized,
        {{ normalize_name('first_name') }} as first_name_normalized,
        -- Strictly an integer from 0 to 10, else NULL (and a warning): never rounded.
        {{ satisfaction_score('satisfaction_score') }} as satisfaction_score,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        _loaded_at
    from source
),

ranked as (
    select
        *,
        count(*) over (
            partition by coalesce(email, cast(customer_id as {{ dbt.type_string() }}))
        ) as duplicate_count,
        row_number() over (
            -- A customer without an email is nobody's duplicate: it is its own partition.
            partition by coalesce(email, cast(customer_id as {{ dbt.type_string() }}))
            order by updated_at desc nulls last, customer_id desc
        ) as recency_rank
    from cleaned
)

select
    customer_id,
    last_name,
    first_name,
    email,
    last_name_normalized,
    first_name_normalized,
    satisfaction_score,
    duplicate_count,
    created_at,
    updated_at,
    _loaded_at
from ranked
where recency_rank = 1
