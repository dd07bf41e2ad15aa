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

{#- DuckDB: the same md5, kept as a BIGINT (its top 63 bits) rather than 32 hex characters. A
    hex string does not compress: writing four of them per invoice cost more than the rest of
    intermediate.invoices. 63 bits leave a collision among a million keys at odds of about one
    in twenty million, and the keys' unique tests would catch it. -#}
{% macro duckdb__surrogate_key(fields) -%}
    {%- set parts = [] -%}
    {%- for field in fields -%}
        {%- if not loop.first -%}{%- do parts.append("'|'") -%}{%- endif -%}
        {%- do parts.append("coalesce(cast(" ~ field ~ " as varchar), '_jump_null_')") -%}
    {%- endfor -%}
    cast(md5_number({{ parts | join(' || ') }}) >> 65 as bigint)
{%- endmacro %}
