{#- The marts' not_null constraints, held on every engine. DuckDB enforces them in the table's
    DDL. Spark enforces NOT NULL only on Delta tables (`ALTER COLUMN ... SET NOT NULL`); the
    Parquet tables of a plain Spark warehouse refuse that statement. There the constraint is
    checked once the table is written: a NULL in a not_null column drops the table and fails
    the model, as DuckDB's failing CREATE TABLE does. dbt-spark's own macro (the ALTER) still
    runs on Delta tables. -#}
{% macro spark__persist_constraints(relation, model) %}
    {%- set contract_config = config.get('contract') -%}
    {%- if not contract_config.enforced -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if config.get('file_format', 'parquet') == 'delta' -%}
        {% do alter_table_add_constraints(relation, model.constraints) %}
        {% do alter_column_set_constraints(relation, model.columns) %}
        {{ return(none) }}
    {%- endif -%}
    {%- set not_null = [] -%}
    {%- for column_name, column in model.columns.items() -%}
        {%- for constraint in column.constraints if constraint.type == 'not_null' -%}
            {%- do not_null.append(column_name) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if not not_null -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set counts = [] -%}
    {%- for column_name in not_null -%}
        {%- do counts.append(
            "count_if(" ~ adapter.quote(column_name) ~ " is null) as " ~ adapter.quote(column_name)
        ) -%}
    {%- endfor -%}
    {%- set result = run_query("select " ~ counts | join(", ") ~ " from " ~ relation) -%}
    {%- set violated = [] -%}
    {%- for column_name in not_null -%}
        {%- if result.rows[0][loop.index0] > 0 -%}
            {%- do violated.append(column_name ~ " (" ~ result.rows[0][loop.index0] ~ " rows)") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if violated -%}
        {% do adapter.drop_relation(relation) %}
        {{ exceptions.raise_compiler_error(
            "NOT NULL constraint failed on " ~ relation ~ ": NULL in " ~ violated | join(", ")
        ) }}
    {%- endif -%}
{% endmacro %}
