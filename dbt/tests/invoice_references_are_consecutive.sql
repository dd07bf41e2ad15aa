-- Accounting: invoice references are `JMP` + 8 digits, consecutive from JMP00000001, each used
-- once. One failing row per kind of anomaly, naming every one of them:
--   missing     the references never seen, as ranges (`JMP00000001`, `JMP00000290..JMP00000293`),
--               a gap before the first reference included;
--   malformed   the invoices whose reference is not `JMP` + 8 digits (or NULL), by invoice id;
--   duplicated  the references held by several invoices, with their invoice ids.
-- A warning, not an error: amounts are keyed by invoice id, so the marts stay right.
{{ config(tags=['intermediate'], severity='warn') }}

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

gaps as (
    select
        previous_number + 1 as first_missing_number,
        reference_number - 1 as last_missing_number
    from numbers
    where reference_number > previous_number + 1
),

duplicated_numbers as (
    -- Counted on the numbers first: listing the invoice ids of every reference would cost a
    -- string aggregate per invoice for the few references held twice.
    select reference_number
    from invoices
    where reference_number is not null
    group by reference_number
    having count(*) > 1
),

duplicates as (
    select
        invoices.reference,
        min(invoices.invoice_id) as first_invoice_id,
        {{ dbt.listagg(
            'cast(invoices.invoice_id as ' ~ dbt.type_string() ~ ')',
            "', '",
            'order by invoices.invoice_id'
        ) }} as invoice_ids
    from invoices
    inner join duplicated_numbers
        on invoices.reference_number = duplicated_numbers.reference_number
    group by invoices.reference
),

anomalies as (
    select
        'missing' as anomaly,
        sum(last_missing_number - first_missing_number + 1) as how_many,
        {{ dbt.listagg(
            "case when first_missing_number = last_missing_number then "
            ~ reference_from_number('first_missing_number') ~ " else "
            ~ dbt.concat([
                reference_from_number('first_missing_number'),
                "'..'",
                reference_from_number('last_missing_number'),
            ]) ~ " end",
            "', '",
            'order by first_missing_number'
        ) }} as invoice_references
    from gaps
    having count(*) > 0

    union all

    select
        'malformed' as anomaly,
        count(*) as how_many,
        {{ dbt.listagg(
            dbt.concat([
                "'invoice '",
                'cast(invoice_id as ' ~ dbt.type_string() ~ ')',
                "': '",
                "coalesce(" ~ dbt.concat(["''''", 'reference', "''''"]) ~ ", 'NULL')",
            ]),
            "', '",
            'order by invoice_id'
        ) }} as invoice_references
    from invoices
    where reference_number is null
    having count(*) > 0

    union all

    select
        'duplicated' as anomaly,
        count(*) as how_many,
        {{ dbt.listagg(
            dbt.concat(['reference', "' (invoices '", 'invoice_ids', "')'"]),
            "', '",
            'order by first_invoice_id'
        ) }} as invoice_references
    from duplicates
    having count(*) > 0
)

select
    anomaly,
    how_many,
    invoice_references
from anomalies
