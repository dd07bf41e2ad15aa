-- The Care team's Net Promoter Score, one row: the percentage of promoters (score 9-10) minus the
-- percentage of detractors (0-6) among the freelancers who answered the survey, rounded to two
-- decimals. With no respondent the score is undefined: NULL, and every count is 0.
with answers as (
    select satisfaction_score from {{ ref('intermediate__freelances') }}
    where satisfaction_score is not null
),

counts as (
    select
        count(*) as respondents,
        sum(case when satisfaction_score >= 9 then 1 else 0 end) as promoters,
        sum(case when satisfaction_score between 7 and 8 then 1 else 0 end) as passives,
        sum(case when satisfaction_score <= 6 then 1 else 0 end) as detractors
    from answers
)

select
    cast(
        case
            when respondents > 0
                then round(
                    cast(100 * (promoters - detractors) as decimal(18, 6)) / respondents, 2
                )
        end
        as decimal(5, 2)
    ) as nps,
    cast(respondents as bigint) as respondents,
    cast(coalesce(promoters, 0) as bigint) as promoters,
    cast(coalesce(passives, 0) as bigint) as passives,
    cast(coalesce(detractors, 0) as bigint) as detractors
from counts
