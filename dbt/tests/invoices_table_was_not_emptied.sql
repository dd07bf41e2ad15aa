-- An invoices table that is empty although an earlier load brought invoices: an extract gone
-- wrong, not a quiet month (error). Without any invoice ever loaded the company has simply not
-- invoiced yet: `invoices_table_is_not_empty` warns and the marts are published empty. The
-- loads are those `load` recorded in `platform.loads`; a lakehouse without that record (built by
-- hand, Spark) is never failed by this test.
-- depends_on: {{ source('platform', 'loads') }}
{{ config(tags=['staging']) }}
{%- set loads = platform_loads_relation() %}

{%- if loads is none %}
    select cast(null as {{ dbt.type_string() }}) as problem
    where 1 = 0
{%- else %}
    with last_load_with_invoices as (
        select
            load_id,
            rows_total
        from {{ loads }}
        where source = 'app' and table_name = 'app__invoices' and rows_total > 0
        order by load_id desc
        limit 1
    )

    select
        'the invoices table is empty, but load '
        || cast(load_id as {{ dbt.type_string() }})
        || ' had '
        || cast(rows_total as {{ dbt.type_string() }})
        || ' invoices' as problem
    from last_load_with_invoices
    where not exists (select 1 from {{ source('app', 'invoices') }})
{%- endif %}
