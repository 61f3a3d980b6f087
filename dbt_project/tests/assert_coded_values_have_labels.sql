-- Rule: every coded value the dashboard shows has a label in value_labels (English and French):
-- buckets, call outcomes, stages, channels, promise statuses, dispute reasons, owners, statuses,
-- resolutions, entry types, terms bases, forecast bases. Returns the codes without a label.
with shown_codes as (
    {%- set coded_columns = [
        ('aged_balance', 'aging_bucket'),
        ('calls', 'outcome'), ('calls', 'stage'), ('calls', 'channel'), ('calls', 'promise_status'),
        ('promises', 'outcome'), ('promises', 'stage'), ('promises', 'channel'), ('promises', 'promise_status'),
        ('reminder_effectiveness', 'stage'), ('reminder_effectiveness', 'channel'),
        ('disputes', 'reason'), ('disputes', 'owner'), ('disputes', 'status'), ('disputes', 'resolution'),
        ('dispute_analysis', 'reason'), ('dispute_analysis', 'owner'),
        ('account_statement', 'entry_type'), ('customers', 'payment_terms_basis'),
        ('kpi_by_dimension', 'dimension'), ('invoice_payment_forecast', 'forecast_basis')] %}
    {%- for model, column in coded_columns %}
    select distinct '{{ column }}' as field, cast({{ column }} as varchar) as code
    from {{ ref(model) }}
    where {{ column }} is not null
    {{- '\n    union' if not loop.last }}
    {%- endfor %}
)

select shown_codes.*
from shown_codes
anti join {{ ref('value_labels') }} as value_labels
    on shown_codes.field = value_labels.field
    and shown_codes.code = value_labels.code
