{#-
    intermediate.invoice_reference_anomalies, incremental by block of reference numbers.

    Every anomaly lies within one block of BLOCK consecutive numbers (var
    `reference_block_size`, 65,536 by default): a gap belongs to the block of the number after
    it, a duplicated reference to the block of its number, a malformed one to block -1. A
    block's anomalies derive from its invoices' ids and references, and from the last number
    before the block (a gap may open there): nothing else. So a block's fingerprint is a hash
    of the XOR of a hash of each of its invoices and of that number, and a build recomputes
    only the blocks whose fingerprint changed (macros/kept_inputs.sql). New invoices take the
    next numbers: an hour recomputes the last block or two, not a sort of every reference.
-#}

{#- The block of a reference number (-1 for none). Cast, not `//`: Spark has no `//`. -#}
{% macro reference_block(number) -%}
    coalesce(
        cast(floor(({{ number }}) / {{ var('reference_block_size') }}) as {{ dbt.type_bigint() }}), -1
    )
{%- endmacro %}


{#- The block of a row of intermediate.invoice_reference_anomalies, as the model placed it. -#}
{% macro anomaly_block() -%}
    {{ return(
        "case anomaly"
        ~ " when 'missing' then " ~ reference_block('last_missing_number + 1')
        ~ " when 'duplicated' then " ~ reference_block(invoice_reference_number('reference'))
        ~ " else -1 end"
    ) }}
{%- endmacro %}


{#- Each block's fingerprint (its invoices, and the last number before it), and that number:
    the nearest block before it with numbers holds it. The model reads it from here. -#}
{% macro reference_block_inputs() -%}
    with blocks as (
        select
            {{ reference_block('reference_number') }} as block,
            bit_xor(hash(invoice_id, reference)) as invoices_fingerprint,
            max(reference_number) as last_number
        from {{ ref('intermediate__invoices') }}
        group by 1
    ),

    bounded as (
        select
            block,
            invoices_fingerprint,
            lag(last_number) over (order by block) as number_before
        from blocks
    )

    select
        block,
        hash(invoices_fingerprint, number_before) as fingerprint,
        number_before
    from bounded
{%- endmacro %}
