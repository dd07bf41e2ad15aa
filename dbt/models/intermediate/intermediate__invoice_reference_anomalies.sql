-- Accounting's rule for invoice references, computed once per build: `JMP` + 8 digits,
-- consecutive from JMP00000001, each used once. One row per anomaly:
--   missing     a range of numbers never seen (`first_missing_number..last_missing_number`), a
--               gap before the first reference included;
--   malformed   an invoice whose reference is not `JMP` + 8 digits (or NULL);
--   duplicated  an invoice holding a reference another invoice holds too.
-- The warning `invoice_references_are_consecutive`, the sample of its rows and the report read
-- this table: the gaps (a sort of every reference number) are found once, not three times.
with invoices as (
    select
        invoice_id,
        reference,
        reference_number
    from {{ ref('intermediate__invoices') }}
),

numbers as (
    select
        reference_number,
        -- The sequence starts at 1: a gap before the first number is a gap too.
        coalesce(lag(reference_number) over (order by reference_number), 0) as previous_number
    from (
        select distinct reference_number
        from invoices
        where reference_number is not null
    ) as distinct_numbers
),

duplicated_numbers as (
    select reference_number
    from invoices
    where reference_number is not null
    group by reference_number
    having count(*) > 1
)

select
    'missing' as anomaly,
    previous_number + 1 as first_missing_number,
    reference_number - 1 as last_missing_number,
    cast(null as {{ dbt.type_bigint() }}) as invoice_id,
    cast(null as {{ dbt.type_string() }}) as reference
from numbers
where reference_number > previous_number + 1

union all

select
    'malformed' as anomaly,
    cast(null as {{ dbt.type_bigint() }}) as first_missing_number,
    cast(null as {{ dbt.type_bigint() }}) as last_missing_number,
    invoice_id,
    reference
from invoices
where reference_number is null

union all

select
    'duplicated' as anomaly,
    cast(null as {{ dbt.type_bigint() }}) as first_missing_number,
    cast(null as {{ dbt.type_bigint() }}) as last_missing_number,
    invoices.invoice_id,
    invoices.reference
from invoices
inner join duplicated_numbers
    on invoices.reference_number = duplicated_numbers.reference_number
