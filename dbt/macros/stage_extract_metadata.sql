{#- The staging of an application's one-row `extract_metadata` table: the same for every source. -#}
{% macro stage_extract_metadata(source_name) %}
with source as (
    select * from {{ source(source_name, 'extract_metadata') }}
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
{% endmacro %}
