{#- Generic test: every value of `column_name` is a `field` of `to` (a foreign key by the App's
    ids). Unlike dbt's `relationships`, a NULL exists nowhere and fails too (the App declares
    these columns NOT NULL), and the failing rows carry the `show` columns (the row's own id and
    reference) beside the missing id. -#}
{% test exists_in(model, column_name, to, field, show) %}
    select
        {% for column in show %}child.{{ column }}, {% endfor %}child.{{ column_name }}
    from {{ model }} as child
    where not exists (
        select 1 from {{ to }} as parent
        where parent.{{ field }} = child.{{ column_name }}
    )
{% endtest %}
