-- Whether the lakehouse saw the CRM as it was at each month's end (docs/models.md).
--
-- A month's NPS figures describe the CRM at its last second, or at the CRM's latest as-of
-- instant for the unfinished as-of month. A CRM row keeps only its latest answer: the answer a
-- row held then is known only if a load saw it before it was replaced. Let L be the first CRM
-- load as of that instant or later. If no CRM row that existed then has a version starting
-- after the instant and by L, every row looked at L as it did then, and the snapshot holds that
-- state. Otherwise the row's state then is unknown (its earlier answer may be lost): the month
-- is not observed.
-- This assumes every loaded version was snapshotted (transform after each load; backfill
-- snapshots before a load would overwrite an unrecorded version).
-- depends_on: {{ source('platform', 'loads') }}
{%- set loads = platform_loads_relation() %}
with crm_as_ofs as (
    -- The as-of instants of the CRM loads, in the company's local time like every timestamp.
    {%- if loads is not none %}
        select cast(replace(substring(as_of, 1, 19), 'T', ' ') as timestamp) as as_of
        from {{ loads }}
        where source = 'crm' and as_of is not null
        union
    {%- endif %}
    select extracted_at as as_of
    from {{ ref('staging__crm__extract_metadata') }}
),

month_ends as (
    -- A finished month describes its last second, even when the CRM was last extracted before
    -- it (the CRM is extracted daily, the App hourly): it is observed once a CRM load saw it.
    -- The as-of month describes the CRM's latest as-of instant when earlier.
    select
        months.month,
        case
            when months.month < months.as_of_month
                then
                    cast(
                        {{ dbt.dateadd('second', -1, dbt.dateadd('month', 1, 'months.month')) }}
                        as timestamp
                    )
            else
                least(
                    cast(
                        {{ dbt.dateadd('second', -1, dbt.dateadd('month', 1, 'months.month')) }}
                        as timestamp
                    ),
                    (select max(crm_as_ofs.as_of) from crm_as_ofs)
                )
        end as described_at
    from {{ ref('intermediate__months') }} as months
),

first_loads as (
    select
        month_ends.month,
        month_ends.described_at,
        min(crm_as_ofs.as_of) as first_load_as_of
    from month_ends
    inner join crm_as_ofs on month_ends.described_at <= crm_as_ofs.as_of
    group by month_ends.month, month_ends.described_at
),

versions as (
    select
        cast(created_at as timestamp) as created_at,
        cast(dbt_valid_from as timestamp) as valid_from
    from {{ crm_customer_versions() }}
),

unseen as (
    select
        first_loads.month,
        count(*) as rows_changed
    from first_loads
    inner join versions
        on
            first_loads.described_at >= versions.created_at
            and first_loads.described_at < versions.valid_from
            and first_loads.first_load_as_of >= versions.valid_from
    group by first_loads.month
)

select
    month_ends.month,
    month_ends.described_at,
    first_loads.first_load_as_of,
    cast(coalesce(unseen.rows_changed, 0) as bigint) as rows_changed_before_seen,
    coalesce(first_loads.first_load_as_of is not null and unseen.rows_changed is null, false)
        as is_observed
from month_ends
left join first_loads on month_ends.month = first_loads.month
left join unseen on month_ends.month = unseen.month
