{#- A stable surrogate key: the md5 of the fields joined by '|', NULL written as a marker so
    that (NULL, 'a') and ('', 'a') differ. The idea of dbt_utils' macro, without the package. -#}
{% macro surrogate_key(fields) -%}
    {{ return(adapter.dispatch('surrogate_key', 'jump_data_platform')(fields)) }}
{%- endmacro %}

{% macro default__surrogate_key(fields) -%}
    {%- set parts = [] -%}
    {%- for field in fields -%}
        {%- if not loop.first -%}{%- do parts.append("'|'") -%}{%- endif -%}
        {%- do parts.append(
            "coalesce(cast(" ~ field ~ " as " ~ dbt.type_string() ~ "), '_jump_null_')"
        ) -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
