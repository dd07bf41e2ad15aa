{#- A layer's schema is exactly its name (staging, intermediate, marts), not dbt's default
    "<target schema>_<custom schema>": the relations match the specification's picture. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
