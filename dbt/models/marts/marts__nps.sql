-- The Care team's Net Promoter Score, one row: the percentage of promoters (score 9-10) minus the
-- percentage of detractors (0-6) among the freelancers who answered the survey, rounded to two
-- decimals. A freelancer counts once, with their latest answer. With no respondent the score is
-- undefined: NULL, and every count is 0.
with latest as (
    select satisfaction_score
    from {{ ref('intermediate__survey_answers') }}
    qualify row_number() over (
        partition by freelancer_id order by answered_at desc, crm_customer_id desc
    ) = 1
),

counts as (
    select
        count(*) as respondents,
        coalesce(sum(case when satisfaction_score >= 9 then 1 else 0 end), 0) as promoters,
        coalesce(sum(case when satisfaction_score between 7 and 8 then 1 else 0 end), 0)
            as passives,
        coalesce(sum(case when satisfaction_score <= 6 then 1 else 0 end), 0) as detractors
    from latest
)

select
    {{ nps_score('promoters', 'detractors', 'respondents') }} as nps,
    cast(respondents as bigint) as respondents,
    cast(promoters as bigint) as promoters,
    cast(passives as bigint) as passives,
    cast(detractors as bigint) as detractors
from counts
