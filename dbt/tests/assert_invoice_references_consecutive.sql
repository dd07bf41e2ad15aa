-- Accounting: invoice references are consecutive (JMP00000001, JMP00000002, ...). One failing
-- row per gap, naming the missing reference(s); a warning, not an error: the run goes on.
-- A reference that is not `JMP` + 8 digits is reported too, as it cannot be placed in the series.
{{ config(tags=['intermediate'], severity='warn') }}

with numbers as (
    select
        reference,
        reference_number,
        lead(reference_number) over (order by reference_number) as next_number
    from {{ ref('intermediate__invoices') }}
    where reference_number is not null
),

gaps as (
    select
        reference_number + 1 as first_missing_number,
        next_number - 1 as last_missing_number
    from numbers
    where next_number > reference_number + 1
)

select
    'gap' as problem,
    case
        when first_missing_number = last_missing_number
            then {{ reference_from_number('first_missing_number') }}
        else {{ dbt.concat([
            reference_from_number('first_missing_number'),
            "'..'",
            reference_from_number('last_missing_number'),
        ]) }}
    end as missing_references,
    last_missing_number - first_missing_number + 1 as missing_count
from gaps

union all

select
    'malformed' as problem,
    reference as missing_references,
    0 as missing_count
from {{ ref('intermediate__invoices') }}
where
    reference_number is null
    or reference != {{ reference_from_number('reference_number') }}
