-- The CFO's monthly turnover: the sum of invoice amounts by issue month, one row for every month
-- from the first invoice's month to the as-of month; a month without invoices shows 0.
with months as (
    select month from {{ ref('intermediate__months') }}
),

invoices as (
    select
        issue_month,
        amount
    from {{ ref('intermediate__invoices') }}
),

turnover as (
    select
        issue_month,
        sum(amount) as turnover
    from invoices
    group by issue_month
)
{% call apply_closed_figures('monthly_turnover', order_by='month') %}
    select
        months.month,
        cast(coalesce(turnover.turnover, 0) as decimal(18, 2)) as turnover,
        {{ is_complete('months.month') }} as is_complete
    from months
    left join turnover on months.month = turnover.issue_month
    where months.month >= (select min(first_invoice.issue_month) from invoices as first_invoice)
{% endcall %}
