-- Every closed figure that differs today. The monthly marts show the closed figures of a closed
-- month (macros/closed_figures.sql), so today's values are recomputed here, for the closed
-- figures only, by the same rules as each mart; right after a close nothing differs (a test
-- closes a month and finds this mart empty, which checks that both agree). The App rows that
-- changed are found by comparing the invoices the close saw (platform.closed_invoices) with
-- today's.
with closed as (
    {{ closed_figures_in_force() }}
),

months as (
    select
        month,
        as_of_month
    from {{ ref('intermediate__months') }}
),

invoices as (
    select
        invoice_id,
        reference,
        freelancer_id,
        job_contract_id,
        entity,
        issue_month,
        amount
    from {{ ref('intermediate__invoices') }}
),

contracts as (
    -- The months each contract ran, as marts.freelancer_cumulative_turnover counts them.
    select
        freelancer_id,
        job_contract_id,
        start_date,
        {{ month_of('start_date') }} as first_month,
        least(
            coalesce(
                {{ month_of('end_date') }},
                (select max(calendar.as_of_month) from months as calendar)
            ),
            (select max(calendar.month) from months as calendar)
        ) as last_month
    from {{ ref('intermediate__job_contracts') }}
),

invoiced_figures as (
    -- Each invoice under the key of each turnover figure it counts in, as each mart keys it.
    select
        issue_month as month,
        'monthly_turnover' as mart,
        'total' as figure_key,
        amount
    from invoices
    union all
    select
        issue_month as month,
        'turnover_by_cohort' as mart,
        concat(cast(freelancer_id as {{ dbt.type_string() }}), '/', entity) as figure_key,
        amount
    from invoices
    union all
    -- The contract's invoices of the month (its row lies within the months it ran).
    select
        issue_month as month,
        'freelancer_cumulative_turnover' as mart,
        cast(job_contract_id as {{ dbt.type_string() }}) as figure_key,
        amount
    from invoices
),

current_invoiced_turnover as (
    select
        closed.month,
        closed.mart,
        closed.figure_key,
        closed.measure,
        coalesce(sum(invoiced_figures.amount), 0) as current_value
    from closed
    left join invoiced_figures
        on
            closed.month = invoiced_figures.month
            and closed.mart = invoiced_figures.mart
            and closed.figure_key = invoiced_figures.figure_key
    where
        closed.measure = 'turnover'
        and closed.mart in (
            'monthly_turnover', 'turnover_by_cohort', 'freelancer_cumulative_turnover'
        )
    group by closed.month, closed.mart, closed.figure_key, closed.measure
),

contract_totals as (
    -- Each contract's invoices within the months it ran.
    select
        contracts.job_contract_id,
        coalesce(sum(invoices.amount), 0) as turnover
    from contracts
    left join invoices
        on
            contracts.job_contract_id = invoices.job_contract_id
            and invoices.issue_month between contracts.first_month and contracts.last_month
    group by contracts.job_contract_id
),

contracts_after as (
    -- Each contract with the freelancer's turnover under the contracts started before it.
    select
        contracts.job_contract_id,
        contracts.first_month,
        {{ earlier_contracts_turnover('contract_totals.turnover') }} as earlier_turnover
    from contracts
    inner join contract_totals on contracts.job_contract_id = contract_totals.job_contract_id
),

current_cumulative_turnover as (
    -- The turnover under the earlier contracts plus this contract's up to the month.
    select
        closed.month,
        closed.mart,
        closed.figure_key,
        closed.measure,
        coalesce(max(contracts_after.earlier_turnover), 0)
        + coalesce(sum(invoices.amount), 0) as current_value
    from closed
    left join contracts_after
        on closed.figure_key = cast(contracts_after.job_contract_id as {{ dbt.type_string() }})
    left join invoices
        on
            contracts_after.job_contract_id = invoices.job_contract_id
            and invoices.issue_month between contracts_after.first_month and closed.month
    where
        closed.mart = 'freelancer_cumulative_turnover'
        and closed.measure = 'cumulative_turnover'
    group by closed.month, closed.mart, closed.figure_key, closed.measure
),

nps_months as (
    select distinct month from closed
    where mart = 'nps_monthly'
),

nps_known as (
    -- As marts.nps_monthly: each freelancer's latest answer given before the month's end,
    -- counted in the trailing twelve months when given in them, always in the all-time figure.
    select
        nps_months.month,
        answers.satisfaction_score,
        answers.answered_at >= {{ dbt.dateadd('month', -11, 'nps_months.month') }} as in_window
    from nps_months
    inner join {{ ref('intermediate__survey_answers') }} as answers
        on answers.answered_at < {{ dbt.dateadd('month', 1, 'nps_months.month') }}
    qualify row_number() over (
        partition by nps_months.month, answers.freelancer_id
        order by answers.answered_at desc, answers.crm_customer_id desc
    ) = 1
),

nps_given as (
    select
        nps_months.month,
        count(*) as answers_in_month
    from nps_months
    inner join {{ ref('intermediate__survey_answers') }} as answers
        on
            nps_months.month <= answers.answered_at
            and {{ dbt.dateadd('month', 1, 'nps_months.month') }} > answers.answered_at
    group by nps_months.month
),

nps_counts as (
    select
        nps_months.month,
        coalesce(sum(case when nps_known.in_window then 1 else 0 end), 0) as respondents,
        coalesce(
            sum(
                case
                    when nps_known.in_window and nps_known.satisfaction_score >= 9 then 1
                    else 0
                end
            ),
            0
        ) as promoters,
        coalesce(
            sum(
                case
                    when nps_known.in_window and nps_known.satisfaction_score between 7 and 8
                        then 1
                    else 0
                end
            ),
            0
        ) as passives,
        coalesce(
            sum(
                case
                    when nps_known.in_window and nps_known.satisfaction_score <= 6 then 1
                    else 0
                end
            ),
            0
        ) as detractors,
        count(nps_known.satisfaction_score) as respondents_all_time,
        coalesce(sum(case when nps_known.satisfaction_score >= 9 then 1 else 0 end), 0)
            as promoters_all_time,
        coalesce(sum(case when nps_known.satisfaction_score <= 6 then 1 else 0 end), 0)
            as detractors_all_time,
        coalesce(max(nps_given.answers_in_month), 0) as answers_in_month
    from nps_months
    left join nps_known on nps_months.month = nps_known.month
    left join nps_given on nps_months.month = nps_given.month
    group by nps_months.month
),

current_nps as (
    {%- for measure in var('closed_marts')['nps_monthly']['measures'] %}
        select
            month,
            'nps_monthly' as mart,
            'total' as figure_key,
            '{{ measure }}' as measure,
            {%- if measure == 'nps' %}
                {{ nps_score('promoters', 'detractors', 'respondents') }}
            {%- elif measure == 'nps_all_time' %}
                {{ nps_score('promoters_all_time', 'detractors_all_time', 'respondents_all_time') }}
            {%- else %}
                {{ measure }}
            {%- endif %} as current_value
        from nps_counts
        {{ "union all" if not loop.last }}
    {%- endfor %}
),

current_figures as (
    select * from current_invoiced_turnover
    union all
    select * from current_cumulative_turnover
    union all
    select * from current_nps
),

restated as (
    select
        closed.month,
        closed.mart,
        closed.figure_key,
        closed.measure,
        closed.closed_value,
        cast(current_figures.current_value as decimal(18, 2)) as current_value,
        closed.closed_at,
        row_contract.freelancer_id as contract_freelancer_id
    from closed
    left join current_figures
        on
            closed.month = current_figures.month
            and closed.mart = current_figures.mart
            and closed.figure_key = current_figures.figure_key
            and closed.measure = current_figures.measure
    left join contracts as row_contract
        on
            closed.mart = 'freelancer_cumulative_turnover'
            and closed.figure_key = cast(row_contract.job_contract_id as {{ dbt.type_string() }})
    where closed.closed_value is distinct from cast(current_figures.current_value as decimal(18, 2))
),

seen as (
    -- The invoices of the closed months as their close saw them.
    {{ closed_invoices_in_force() }}
),

now_invoices as (
    select * from invoices
    where issue_month in (select closed_months.month from closed as closed_months)
),

changed_invoices as (
    select
        seen.issue_month as seen_month,
        seen.freelancer_id as seen_freelancer_id,
        seen.job_contract_id as seen_job_contract_id,
        now_invoices.issue_month as now_month,
        now_invoices.freelancer_id as now_freelancer_id,
        now_invoices.job_contract_id as now_job_contract_id,
        coalesce(now_invoices.reference, seen.reference, cast(
            coalesce(now_invoices.invoice_id, seen.invoice_id) as {{ dbt.type_string() }}
        ))
        || case
            when now_invoices.invoice_id is null then ' (deleted)'
            when seen.invoice_id is null then ' (added)'
            else ' (corrected)'
        end as app_row
    from seen
    full outer join now_invoices
        on seen.invoice_id = now_invoices.invoice_id
    where
        seen.invoice_id is null
        or now_invoices.invoice_id is null
        or seen.amount != now_invoices.amount
        or seen.issue_month != now_invoices.issue_month
        or seen.job_contract_id is distinct from now_invoices.job_contract_id
        or seen.freelancer_id is distinct from now_invoices.freelancer_id
),

changed_sides as (
    -- Each changed invoice counts where it was and where it is now.
    select
        seen_month as month,
        seen_freelancer_id as freelancer_id,
        seen_job_contract_id as job_contract_id,
        app_row
    from changed_invoices
    where seen_month is not null
    union all
    select
        now_month as month,
        now_freelancer_id as freelancer_id,
        now_job_contract_id as job_contract_id,
        app_row
    from changed_invoices
    where now_month is not null
),

figure_rows as (
    select distinct
        restated.month,
        restated.mart,
        restated.figure_key,
        restated.measure,
        changed_sides.app_row
    from restated
    inner join changed_sides
        on
            (restated.mart = 'monthly_turnover' and restated.month = changed_sides.month)
            or (
                restated.mart = 'turnover_by_cohort'
                and restated.month = changed_sides.month
                and restated.figure_key
                = cast(changed_sides.freelancer_id as {{ dbt.type_string() }})
            )
            or (
                restated.mart = 'freelancer_cumulative_turnover'
                and restated.measure = 'turnover'
                and restated.month = changed_sides.month
                and restated.figure_key
                = cast(changed_sides.job_contract_id as {{ dbt.type_string() }})
            )
            or (
                restated.mart = 'freelancer_cumulative_turnover'
                and restated.measure = 'cumulative_turnover'
                and restated.month >= changed_sides.month
                and restated.contract_freelancer_id = changed_sides.freelancer_id
            )
),

app_rows as (
    select
        month,
        mart,
        figure_key,
        measure,
        {{ dbt.listagg('app_row', "', '", 'order by app_row') }} as changed_app_rows
    from figure_rows
    group by month, mart, figure_key, measure
)

select
    restated.month,
    cast(restated.mart as {{ dbt.type_string() }}) as mart,
    cast(restated.figure_key as {{ dbt.type_string() }}) as figure_key,
    cast(restated.measure as {{ dbt.type_string() }}) as measure,
    cast(restated.closed_value as decimal(18, 2)) as closed_value,
    cast(restated.current_value as decimal(18, 2)) as current_value,
    cast(restated.current_value - restated.closed_value as decimal(18, 2)) as difference,
    cast(app_rows.changed_app_rows as {{ dbt.type_string() }}) as changed_app_rows,
    cast(restated.closed_at as timestamp) as closed_at
from restated
left join app_rows
    on
        restated.month = app_rows.month
        and restated.mart = app_rows.mart
        and restated.figure_key = app_rows.figure_key
        and restated.measure = app_rows.measure
order by restated.month, restated.mart, restated.figure_key, restated.measure
