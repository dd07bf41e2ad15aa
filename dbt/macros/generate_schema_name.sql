{#- A layer's schema is exactly its name (staging, intermediate, marts), not dbt's default
    "<target schema>_<custom schema>": the relations match the specification's picture.
    `data-platform transform` on DuckDB builds a layer into a schema readers do not see, named
    by the environment variable DATA_PLATFORM_SCHEMA_<LAYER>, then publishes it under the
    layer's name (docs/publishing.md). Unset (dbt by hand, another engine): the layer's name. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {%- set layer = custom_schema_name | trim -%}
        {{ env_var('DATA_PLATFORM_SCHEMA_' ~ layer | upper, layer) }}
    {%- endif -%}
{%- endmacro %}
