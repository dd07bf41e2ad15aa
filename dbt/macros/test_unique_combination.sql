{#- Generic test: no two rows share the same values of `columns` (the model's grain).

    `recomputed_only` (a mart incremental by freelancer, macros/freelancer_inputs.sql): only the
    keys found among the rows of the freelancers this build recomputed, all of their rows
    included, so that a recomputed row duplicating a row kept from an earlier build is found
    too. The rows kept were checked by the build that wrote them (a first build or a full
    refresh recomputes every freelancer). Every row is checked when the mart's fingerprints do
    not say what was recomputed (Spark, or fingerprints kept before they said it). -#}
{% test unique_combination(model, columns, recomputed_only=false) %}
    {%- set recomputed = recomputed_freelancers(model) if recomputed_only else none %}
    select {{ columns | join(', ') }}, count(*) as row_count
    from {{ model }}
    {%- if recomputed is not none %}
    where {{ columns[0] }} in (
        select {{ columns[0] }} from {{ model }}
        where freelancer_id in ({{ recomputed }})
    )
    {%- endif %}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}


{#- The query of the freelancers the last build of `model` recomputed, from the fingerprints it
    kept (`<model>__inputs`); none when there are none to read (the catalog is asked: a
    post-hook renamed the table during this build). -#}
{% macro recomputed_freelancers(model) -%}
    {%- if not execute or target.type == 'spark' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set inputs = inputs_relation('__inputs', model=model) -%}
    {%- if not in_catalog(inputs, 'recomputed') -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return("select freelancer_id from " ~ inputs ~ " where recomputed") }}
{%- endmacro %}
