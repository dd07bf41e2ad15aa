{#- A layer's schema is exactly its name (staging, intermediate, marts), not dbt's default
    "<target schema>_<custom schema>": the relations match the specification's picture.
    `data-platform transform` on DuckDB builds each model it rebuilds into a schema readers do not
    see, and reads the others where they are published: the schema of each model it knows is in
    the JSON object DATA_PLATFORM_MODEL_SCHEMAS (model name -> schema), that of a model never
    published in DATA_PLATFORM_SCHEMA_<LAYER> (docs/publishing.md). Unset (dbt by hand, another
    engine): the layer's name. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {%- set layer = custom_schema_name | trim -%}
        {%- set schemas = fromjson(env_var('DATA_PLATFORM_MODEL_SCHEMAS', '{}')) -%}
        {{ schemas.get(node.name, env_var('DATA_PLATFORM_SCHEMA_' ~ layer | upper, layer)) }}
    {%- endif -%}
{%- endmacro %}
