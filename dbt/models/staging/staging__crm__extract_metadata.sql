-- How the CRM extraction was made: its as-of date (the simulated "now") above all.
with source as (
    select * from {{ source('crm', 'extract_metadata') }}
)

select
    trim(source) as source,
    cast(as_of as date) as as_of,
    cast(extracted_at as timestamp) as extracted_at,
    cast(random_seed as bigint) as random_seed,
    cast(scale as bigint) as scale,
    trim(generator_version) as generator_version,
    _loaded_at
from source
