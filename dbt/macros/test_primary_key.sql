{#- Generic test: `column_name` is the model's key, on every row and on one row only: dbt's
    `unique` and `not_null` in one scan, and one node of the build rather than two (tests block
    the models downstream and each node costs dbt's own work; docs/data-quality.md). A failing
    row is a key held by several rows, or NULL, and how many rows hold it: the keys are App ids
    and months, whose values name the rows.

    `only_loads_new_to` (the name of a model incremental by load that reads this one,
    macros/kept_inputs.sql): only the keys found among the rows of the loads that model has not
    consumed yet, each counted over every row, so that a new row duplicating an old one is found
    too. The model consumes a load only in a build where this test passed first (dbt's build
    runs a model after the tests of what it reads), and keeps every stamp present then: the rows
    of the loads it consumed were all checked, and a load that changes a row stamps it anew. A
    NULL key is looked for on every row. Every row is checked in a full refresh, and when the
    model keeps no stamps (a first build, Spark). -#}
{% test primary_key(model, column_name, only_loads_new_to=none) %}
    {%- set new_rows = loads_new_to(only_loads_new_to, model, 'new_rows')
        if only_loads_new_to else none %}
    select {{ column_name }}, count(*) as row_count
    from {{ model }}
    {%- if new_rows is not none %}
    where {{ column_name }} is null or {{ column_name }} in (
        select new_rows.{{ column_name }} from {{ model }} as new_rows where {{ new_rows }}
    )
    {%- endif %}
    group by {{ column_name }}
    having {{ column_name }} is null or count(*) > 1
{% endtest %}


{#- The predicate on the rows of `source` (read as `alias`) that the model named `consumer`
    has not consumed (macros/kept_inputs.sql), read from the stamps it keeps where this build
    finds it; none in a full refresh, or when it keeps none. -#}
{% macro loads_new_to(consumer, source, alias) -%}
    {%- if not execute or flags.FULL_REFRESH or target.type == 'spark' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set kept = model_relation(consumer, '__inputs') -%}
    {%- if not in_catalog(kept) -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(loads_not_consumed_in(source, kept, alias)) }}
{%- endmacro %}
