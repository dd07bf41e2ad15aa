{#- Generic test: the model has at least one row. The failing row says which table is empty:
    `what` (`invoices`). -#}
{% test is_not_empty(model, what) %}
    select 'the {{ what }} table is empty' as problem
    where not exists (select 1 from {{ model }})
{% endtest %}
