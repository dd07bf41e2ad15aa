{#- Generic test: `column_name` is the model's key, on every row and on one row only: dbt's
    `unique` and `not_null` in one scan, and one node of the build rather than two (tests block
    the models downstream and each node costs dbt's own work; docs/data-quality.md). A failing
    row is a key held by several rows, or NULL, and how many rows hold it: the keys are App ids
    and months, whose values name the rows. -#}
{% test primary_key(model, column_name) %}
    select {{ column_name }}, count(*) as row_count
    from {{ model }}
    group by {{ column_name }}
    having {{ column_name }} is null or count(*) > 1
{% endtest %}
