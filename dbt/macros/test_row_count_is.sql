{#- Generic test: the model has exactly `expected` rows (one failing row otherwise). -#}
{% test row_count_is(model, expected) %}
    select row_count
    from (select count(*) as row_count from {{ model }}) as counted
    where row_count != {{ expected }}
{% endtest %}
