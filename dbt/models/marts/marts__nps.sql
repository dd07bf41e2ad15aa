-- The Care team's Net Promoter Score, one row: the percentage of promoters (score 9-10) minus the
-- percentage of detractors (0-6) among the freelancers who answered the survey, rounded to two
-- decimals. With no respondent the score is undefined: NULL, and every count is 0.
with answers as (
    select satisfaction_score from {{ ref('intermediate__freelancers') }}
    where satisfaction_score is not null
),

counts as (
    select
        count(*) as respondents,
        sum(case when satisfaction_score >= 9 then 1 else 0 end) as promoters,
        sum(case when satisfaction_score between 7 and 8 then 1 else 0 end) as passives,
        sum(case when satisfaction_score <= 6 then 1 else 0 end) as detractors
    from answers
),

score as (
    -- 100 x (promoters - detractors) / respondents in hundredths, rounded half away from zero
    -- with integers only: a division of floats could round a tie such as 0.015 the wrong way.
    select
        *,
        abs(promoters - detractors) * 20000 + respondents as rounding_numerator,
        2 * respondents as rounding_denominator
    from counts
)

select
    cast(
        case
            when respondents > 0
                then
                    sign(promoters - detractors)
                    * cast(
                        (rounding_numerator - mod(rounding_numerator, rounding_denominator))
                        / rounding_denominator
                        as bigint
                    )
                    * 0.01
        end
        as decimal(5, 2)
    ) as nps,
    cast(respondents as bigint) as respondents,
    cast(coalesce(promoters, 0) as bigint) as promoters,
    cast(coalesce(passives, 0) as bigint) as passives,
    cast(coalesce(detractors, 0) as bigint) as detractors
from score
