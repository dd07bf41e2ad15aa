{#- Generic test: `column_name` is unique. Unlike dbt's `unique`, a failing row shows the ids
    (`id_column`) of the rows sharing a value and how many they are, not the value itself: the
    value may be personal data (an email), which transform prints and logs. -#}
{% test unique_with_ids(model, column_name, id_column) %}
    select
        {{ dbt.listagg(
            'cast(' ~ id_column ~ ' as ' ~ dbt.type_string() ~ ')', "', '", 'order by ' ~ id_column
        ) }} as {{ id_column }}s,
        count(*) as row_count
    from {{ model }}
    where {{ column_name }} is not null
    group by {{ column_name }}
    having count(*) > 1
{% endtest %}
