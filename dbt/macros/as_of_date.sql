{#- The simulated "now": the var `as_of` when given, else the App's extraction as-of date. -#}
{% macro as_of_date() -%}
    {%- if var('as_of', '') -%}
        cast('{{ var("as_of") }}' as date)
    {%- else -%}
        (select max(as_of) from {{ ref('staging__app__extract_metadata') }})
    {%- endif -%}
{%- endmacro %}
