{#- Generic test of a model incremental by load (macros/kept_inputs.sql): no two rows share
    `column_name`, counted over every row for the values found among the rows of the loads that
    no passing run of this test has checked yet (`<model>__unchecked`, kept by the model's
    post-hook `keep_unchecked_loads`, forgotten on-run-end once this test passed). The model's
    rows of a load are those whose `key` is among the rows of `loads_of` (a model name) stamped
    by it; rows without a stamp are rebuilt, hence checked, every time. Every row is checked in
    a full refresh and on Spark. A failing row names the duplicated value by its (lowest) `key`,
    an App id rather than a hash, and how many rows hold it. -#}
{% test unique_of_unchecked_loads(model, column_name, loads_of, key) %}
    {%- set unchecked = unchecked_loads_of(model) %}
    select
        min({{ key }}) as {{ key }},
        count(*) as row_count
    from {{ model }}
    where {{ column_name }} is not null
    {%- if unchecked is not none %}
        and {{ column_name }} in (
            select written.{{ column_name }} from {{ model }} as written
            where written.{{ key }} in (
                select loaded.{{ key }} from {{ model_relation(loads_of) }} as loaded
                where loaded._loaded_at is null or loaded._loaded_at in ({{ unchecked }})
            )
        )
    {%- endif %}
    group by {{ column_name }}
    having count(*) > 1
{% endtest %}


{#- The stamps kept as unchecked beside `model` (a relation), as SQL constants; `null` when
    there are none (the table is gone: its test passed since). None when every row is to be
    checked: a full refresh, Spark. -#}
{% macro unchecked_loads_of(model) -%}
    {%- if not execute or flags.FULL_REFRESH or target.type == 'spark' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set unchecked = inputs_relation('__unchecked', model=model) -%}
    {%- if not in_catalog(unchecked) -%}
        {{ return("null") }}
    {%- endif -%}
    {%- set literals = stamp_literals("select _loaded_at from " ~ unchecked) -%}
    {{ return(literals | join(", ") if literals else "null") }}
{%- endmacro %}
