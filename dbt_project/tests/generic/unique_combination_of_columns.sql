{#- A key made of several columns is unique: no two rows share the same values of all of them.
    Grouping by the columns themselves (not by a string built from them) keeps this test cheap on
    the big as-of-date tables (aged_balance, account_statement, open items). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {%- set key_columns = combination_of_columns | join(', ') %}
    select {{ key_columns }}, count(*) as rows_with_this_key
    from {{ model }}
    group by {{ key_columns }}
    having count(*) > 1
{% endtest %}
