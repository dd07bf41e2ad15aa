{#- `platform.loads` (the loads `load` recorded) when the lakehouse has it, else none: a
    lakehouse built without `load` (by hand, in tests) or on Spark (only the DuckDB loader
    records its loads) has no such record. The models that call this name the source in a
    `-- depends_on:` comment. -#}
{% macro platform_loads_relation() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set loads = source('platform', 'loads') -%}
    {#- No `this` in a unit test: the rows given stand for the table. -#}
    {%- if this is none -%}
        {{ return(loads) }}
    {%- endif -%}
    {%- if target.type == 'spark' -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.get_relation(
        database=loads.database, schema=loads.schema, identifier=loads.identifier
    )) }}
{%- endmacro %}
