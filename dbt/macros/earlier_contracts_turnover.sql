{#- A freelancer's turnover under the contracts that started before this one (0 for the first):
    a running sum of each contract's total (`turnover`) over the freelancer's contracts in start
    order. One rule for marts.freelancer_cumulative_turnover and marts.restatements, which
    recomputes a closed cumulative figure exactly as the mart does. -#}
{% macro earlier_contracts_turnover(turnover, contracts='contracts') -%}
    coalesce(
        sum({{ turnover }}) over (
            partition by {{ contracts }}.freelancer_id
            order by {{ contracts }}.start_date, {{ contracts }}.job_contract_id
            rows between unbounded preceding and 1 preceding
        ),
        0
    )
{%- endmacro %}
