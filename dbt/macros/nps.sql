{#- The Net Promoter Score from counts: 100 x (promoters - detractors) / respondents in
    hundredths, rounded half away from zero with integers only (a division of floats could
    round a tie such as 0.015 the wrong way); NULL without respondent. -#}
{% macro nps_score(promoters, detractors, respondents) -%}
    cast(
        case
            when {{ respondents }} > 0
                then
                    sign({{ promoters }} - {{ detractors }})
                    * cast(
                        (
                            abs({{ promoters }} - {{ detractors }}) * 20000 + {{ respondents }}
                            - mod(
                                abs({{ promoters }} - {{ detractors }}) * 20000 + {{ respondents }},
                                2 * {{ respondents }}
                            )
                        )
                        / (2 * {{ respondents }})
                        as bigint
                    )
                    * 0.01
        end
        as decimal(5, 2)
    )
{%- endmacro %}
