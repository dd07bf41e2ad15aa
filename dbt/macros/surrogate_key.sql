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

{#- Spark: the very same BIGINT as DuckDB's, so that keys agree across engines (the parity test
    compares them). DuckDB's md5_number reads the digest as a little-endian 128-bit number: its
    top 64 bits are the digest's last 8 bytes in reverse order, shifted right by one. The
    digest is computed once (the one-element array), its bytes reordered by a lambda. -#}
{% macro spark__surrogate_key(fields) -%}
    {%- set parts = [] -%}
    {%- for field in fields -%}
        {%- if not loop.first -%}{%- do parts.append("'|'") -%}{%- endif -%}
        {%- do parts.append("coalesce(cast(" ~ field ~ " as string), '_jump_null_')") -%}
    {%- endfor -%}
    shiftrightunsigned(cast(conv(
        transform(
            array(md5(concat({{ parts | join(', ') }}))),
            digest -> concat_ws('', transform(sequence(31, 17, -2), i -> substr(digest, i, 2)))
        )[0],
        16, -10
    ) as bigint), 1)
{%- endmacro %}
