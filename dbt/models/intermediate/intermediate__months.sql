-- The calendar of the marts: one row per month from the first invoice's month to the as-of month
-- (the App's extraction date, or the var `as_of`); none before the company's first invoice.
-- Should an invoice be dated after the as-of month, the calendar extends to it so that no
-- turnover is ever dropped.
-- depends_on: {{ ref('staging__app__extract_metadata') }}
with bounds as (
    select
        (select min(issue_date) from {{ ref('staging__app__invoices') }}) as first_date,
        {{ as_of_date() }} as as_of_date,
        (select max(issue_date) from {{ ref('staging__app__invoices') }}) as last_invoice_date
),

spine as (
    {{ month_spine(
        '(select first_date from bounds)',
        '(select greatest(as_of_date, last_invoice_date) from bounds)'
    ) }}
)

select
    spine.month,
    cast({{ dbt.last_day('spine.month', 'month') }} as date) as month_end_date,
    {{ month_of('bounds.as_of_date') }} as as_of_month,
    spine.month = {{ month_of('bounds.as_of_date') }} as is_as_of_month
from spine
cross join bounds
