-- Accounting: invoice references are `JMP` + 8 digits, consecutive from JMP00000001, each used
-- once. One failing row per kind of anomaly, naming every one of them:
--   missing     the references never seen, as ranges (`JMP00000001`, `JMP00000290..JMP00000293`),
--               a gap before the first reference included;
--   malformed   the invoices whose reference is not `JMP` + 8 digits (or NULL), by invoice id;
--   duplicated  the references held by several invoices, with their invoice ids.
-- The anomalies themselves are `intermediate.invoice_reference_anomalies`: this test words them.
-- A warning, not an error: amounts are keyed by invoice id, so the marts stay right.
{{ config(tags=['intermediate'], severity='warn') }}

with anomalies as (
    select * from {{ ref('intermediate__invoice_reference_anomalies') }}
),

duplicates as (
    select
        reference,
        min(invoice_id) as first_invoice_id,
        {{ dbt.listagg(
            'cast(invoice_id as ' ~ dbt.type_string() ~ ')',
            "', '",
            'order by invoice_id'
        ) }} as invoice_ids
    from anomalies
    where anomaly = 'duplicated'
    group by reference
),

worded as (
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
    from anomalies
    where anomaly = 'missing'
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
    from anomalies
    where anomaly = 'malformed'
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
from worded
