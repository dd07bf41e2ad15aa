-- The NPS month by month: at the end of each month, from the answers known then (given before
-- the next month began), each freelancer counted once with their latest answer. The months are
-- those of the monthly turnover; the as-of month is not complete yet.
with months as (
    select month from {{ ref('intermediate__months') }}
    where
        month
        >= (
            select min(first_invoice.issue_month)
            from {{ ref('intermediate__invoices') }} as first_invoice
        )
),

known as (
    select
        months.month,
        answers.freelancer_id,
        answers.satisfaction_score
    from months
    inner join {{ ref('intermediate__survey_answers') }} as answers
        on answers.answered_at < {{ dbt.dateadd('month', 1, 'months.month') }}
    qualify row_number() over (
        partition by months.month, answers.freelancer_id
        order by answers.answered_at desc, answers.crm_customer_id desc
    ) = 1
),

counts as (
    select
        month,
        count(*) as respondents,
        sum(case when satisfaction_score >= 9 then 1 else 0 end) as promoters,
        sum(case when satisfaction_score between 7 and 8 then 1 else 0 end) as passives,
        sum(case when satisfaction_score <= 6 then 1 else 0 end) as detractors
    from known
    group by month
),

filled as (
    select
        months.month,
        coalesce(counts.respondents, 0) as respondents,
        coalesce(counts.promoters, 0) as promoters,
        coalesce(counts.passives, 0) as passives,
        coalesce(counts.detractors, 0) as detractors
    from months
    left join counts on months.month = counts.month
)
{% call apply_closed_figures('nps_monthly', order_by='month') %}
    select
        month,
        {{ nps_score('promoters', 'detractors', 'respondents') }} as nps,
        cast(respondents as bigint) as respondents,
        cast(promoters as bigint) as promoters,
        cast(passives as bigint) as passives,
        cast(detractors as bigint) as detractors,
        {{ is_complete('month') }} as is_complete
    from filled
{% endcall %}
