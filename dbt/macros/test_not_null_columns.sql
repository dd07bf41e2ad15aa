{#- Generic test: none of `columns` is NULL, checked in one scan (one node of the build rather
    than one per column, docs/data-quality.md). A failing row carries the `show` columns, which
    name it without personal data, and `null_columns`, the names of its columns that are NULL. -#}
{% test not_null_columns(model, columns, show) %}
    select
        {% for column in show %}{{ column }}, {% endfor %}
        concat_ws(', '
            {%- for column in columns %}, case when {{ column }} is null then '{{ column }}' end
            {%- endfor %}) as null_columns
    from {{ model }}
    where {% for column in columns %}{{ column }} is null{% if not loop.last %} or {% endif %}{% endfor %}
{% endtest %}
