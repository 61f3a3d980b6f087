{#- The e-invoicing lifecycle (CONTRACT.md sections 1 and 3): one place for the codes the KPIs read. -#}

{#- Statuses that put an invoice in dispute while they are its latest status: partly approved,
    in dispute, suspended, refused. -#}
{% macro platform_dispute_status_codes() -%}
    (206, 207, 208, 210)
{%- endmacro %}

{#- An invoice not made available to the buyer by D (no 203 nor later buyer status 204..212), not
    rejected (that is is_rejected), from a customer whose platform reports availability: its first
    buyer status (203..211) on any invoice is dated <= D. Without that report, the absence of a 203
    (an optional status) says nothing. Reads a row of int_invoice_status_periods. -#}
{% macro never_made_available(periods, date_expression) -%}
    (not {{ periods }}.is_made_available
     and not {{ periods }}.is_rejected
     and coalesce({{ periods }}.customer_reports_availability_from <= {{ date_expression }}, false))
{%- endmacro %}
