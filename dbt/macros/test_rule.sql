{#- Generic test: a business rule, broken by the rows where `broken_when` (a SQL condition on the
    model's columns) holds. The failing rows carry only the `show` columns: the ids, references
    and values that name a row, never personal data (transform prints the first rows). Give
    each use a `name:` that states the rule. -#}
{% test rule(model, broken_when, show) %}
    select {{ show | join(', ') }}
    from {{ model }}
    where {{ broken_when }}
{% endtest %}
