-- The NPS month by month (definitions and grain in the yml). Each freelancer's latest answer
-- given before the month's end is found once; it counts in the trailing twelve months when
-- given in them (the latest answer given in the window is the latest answer overall, if that
-- falls in the window), and always in the all-time figure.
with months as (
    -- The calendar starts at the first invoice's month already: the invoices themselves are not
    -- read, so that an hour of new invoices does not rebuild this mart.
    select
        months.month,
        month_ends.is_observed
    from {{ ref('intermediate__months') }} as months
    inner join {{ ref('intermediate__crm_month_ends') }} as month_ends
        on months.month = month_ends.month
),

answers as (
    select
        freelancer_id,
        crm_customer_id,
        satisfaction_score,
        answered_at
    from {{ ref('intermediate__survey_answers') }}
),

latest as (
    -- Each freelancer's latest answer given before the month's end.
    select
        months.month,
        answers.satisfaction_score,
        answers.answered_at >= {{ dbt.dateadd('month', -11, 'months.month') }} as in_window
    from months
    inner join answers
        on answers.answered_at < {{ dbt.dateadd('month', 1, 'months.month') }}
    qualify row_number() over (
        partition by months.month, answers.freelancer_id
        order by answers.answered_at desc, answers.crm_customer_id desc
    ) = 1
),

counts as (
    select
        month,
        sum(case when in_window then 1 else 0 end) as respondents,
        sum(case when in_window and satisfaction_score >= 9 then 1 else 0 end) as promoters,
        sum(case when in_window and satisfaction_score between 7 and 8 then 1 else 0 end)
            as passives,
        sum(case when in_window and satisfaction_score <= 6 then 1 else 0 end) as detractors,
        count(*) as respondents_all_time,
        sum(case when satisfaction_score >= 9 then 1 else 0 end) as promoters_all_time,
        sum(case when satisfaction_score <= 6 then 1 else 0 end) as detractors_all_time
    from latest
    group by month
),

given as (
    select
        months.month,
        count(*) as answers_in_month
    from months
    inner join answers
        on
            months.month <= answers.answered_at
            and {{ dbt.dateadd('month', 1, 'months.month') }} > answers.answered_at
    group by months.month
),

filled as (
    select
        months.month,
        months.is_observed,
        coalesce(counts.respondents, 0) as respondents,
        coalesce(counts.promoters, 0) as promoters,
        coalesce(counts.passives, 0) as passives,
        coalesce(counts.detractors, 0) as detractors,
        coalesce(given.answers_in_month, 0) as answers_in_month,
        coalesce(counts.respondents_all_time, 0) as respondents_all_time,
        coalesce(counts.promoters_all_time, 0) as promoters_all_time,
        coalesce(counts.detractors_all_time, 0) as detractors_all_time
    from months
    left join counts on months.month = counts.month
    left join given on months.month = given.month
)
{% call apply_closed_figures('nps_monthly', order_by='month') %}
    select
        month,
        {{ nps_score('promoters', 'detractors', 'respondents') }} as nps,
        cast(respondents as bigint) as respondents,
        cast(promoters as bigint) as promoters,
        cast(passives as bigint) as passives,
        cast(detractors as bigint) as detractors,
        cast(answers_in_month as bigint) as answers_in_month,
        {{ nps_score('promoters_all_time', 'detractors_all_time', 'respondents_all_time') }}
            as nps_all_time,
        cast(respondents_all_time as bigint) as respondents_all_time,
        {{ is_complete('month') }} as is_complete,
        is_observed
    from filled
{% endcall %}
