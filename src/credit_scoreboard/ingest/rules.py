"""The row rules of CONTRACT.md section 1, as SQL: the one catalogue of what a row must be.

Each column is parsed from its text by a SQL macro (decimal comma, thousands separators,
DD/MM/YYYY dates...); each rule is a SQL condition, true when the row breaks it, over
the parsed row (columns by contract name, `<column>__text` for the text as read, and
`ref_<column>__key` / `ref_<column>__amount`... for the row it refers to in an entity
loaded before). A row breaking several rules is quarantined once, with all of them
joined by `; ` (in catalogue order).
"""

from __future__ import annotations

from dataclasses import dataclass

from credit_scoreboard.contract import ENTITIES, PROMISE_OUTCOMES, STATUS_CODE_RANGE, Column


@dataclass(frozen=True)
class Rule:
    column: str
    problem: str
    broken_when: str  # SQL condition over the parsed row

    @property
    def text(self) -> str:
        return f"{self.column}: {self.problem}"


# Temp macros, created once per connection before checking rows.
PARSING_MACROS = (
    # Spaces, no-break spaces and apostrophes as thousands separators: 1 234,56 / 1'234.56
    # (replace() is cheaper than a regular expression on a million amounts)
    "create or replace temp macro cs_compact_number(t) as replace(replace(replace(replace("
    "t, ' ', ''), chr(160), ''), chr(8239), ''), chr(39), '')",
    # Decimal `.` or `,`; `.`/`,` thousands only when unambiguous (with the other mark as
    # decimal, or several groups): 1.234 and 1,234 are refused, never guessed.
    r"""create or replace temp macro cs_amount_text(t) as case
        when regexp_full_match(t, '[-+]?\d+(\.\d{1,2})?') then t
        when regexp_full_match(t, '[-+]?\d+,\d{1,2}') then replace(t, ',', '.')
        when regexp_full_match(t, '[-+]?\d{1,3}(\.\d{3})+,\d{1,2}|[-+]?\d{1,3}(\.\d{3}){2,}')
            then replace(replace(t, '.', ''), ',', '.')
        when regexp_full_match(t, '[-+]?\d{1,3}(,\d{3})+\.\d{1,2}|[-+]?\d{1,3}(,\d{3}){2,}')
            then replace(t, ',', '')
        end""",
    "create or replace temp macro cs_amount(t) as "
    "cast(cs_amount_text(cs_compact_number(t)) as DECIMAL(18, 2))",
    r"""create or replace temp macro cs_int(t) as
        case when regexp_full_match(t, '[-+]?\d{1,9}') then cast(t as INTEGER) end""",
    # A failed strptime costs ten successful ones: pick the formats by the separator.
    """create or replace temp macro cs_date(t) as cast(case
        when contains(t, '/') then try_strptime(t, '%d/%m/%Y')
        else coalesce(try_strptime(t, '%Y-%m-%d'),
                      try_strptime(t, ['%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S']))
        end as DATE)""",
    """create or replace temp macro cs_timestamp(t) as case
        when contains(t, '/') then try_strptime(t, ['%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M',
                                                    '%d/%m/%Y'])
        else coalesce(try_strptime(t, '%Y-%m-%d %H:%M:%S'), try_strptime(t, [
            '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S.%f',
            '%Y-%m-%d %H:%M', '%Y-%m-%dT%H:%M', '%Y-%m-%d']))
        end""",
    """create or replace temp macro cs_bool(t) as case
        when lower(t) in ('true', 't', '1', 'yes', 'y', 'oui') then true
        when lower(t) in ('false', 'f', '0', 'no', 'n', 'non') then false end""",
    # A field written back into a CSV line (for raw.quarantine.row_text).
    """create or replace temp macro cs_field(v, delimiter) as case
        when v is null then ''
        when contains(v, delimiter) or contains(v, '"') or contains(v, chr(10))
            then '"' || replace(v, '"', '""') || '"'
        else v end""",
)

_PARSE = {
    "text": "{t}",
    "decimal": "cs_amount({t})",
    "int": "cs_int({t})",
    "date": "cs_date({t})",
    "timestamp": "cs_timestamp({t})",
    "bool": "cs_bool({t})",
}
_NOT_PARSED = {
    "decimal": "not an amount (1234.56 or 1 234,56, at most two decimals)",
    "int": "not a whole number",
    "date": "not a date (YYYY-MM-DD or DD/MM/YYYY)",
    "timestamp": "not a date and time (YYYY-MM-DD HH:MM[:SS] or DD/MM/YYYY HH:MM)",
    "bool": "not true or false",
}
# Codes compared in upper case, enumerations in lower case; an empty channel is a phone call.
_NORMALISE = {
    "country": "upper({t})",
    "currency": "upper({t})",
    ("calls", "channel"): "coalesce(lower({t}), 'phone')",
    ("invoice_statuses", "requested_action"): "upper({t})",  # codes: NOA, PIN...
}


def parse_expression(entity: str, column: Column) -> str:
    """SQL giving the typed value of a column from `<column>__text`."""
    text = f"{column.name}__text"
    normalise = _NORMALISE.get((entity, column.name)) or _NORMALISE.get(column.name)
    if normalise:
        return normalise.format(t=text)
    if column.accepted_values:
        return f"lower({text})"
    return _PARSE[column.type].format(t=text)


# Referential rules: column -> the entity whose key it must name (loaded before).
REFERENCES = {
    "customers": {},
    "invoices": {"customer_id": "customers"},
    "payments": {"customer_id": "customers", "document_id": "invoices"},
    "disputes": {"customer_id": "customers", "document_id": "invoices"},
    "calls": {"customer_id": "customers", "document_id": "invoices"},
    "invoice_statuses": {"document_id": "invoices"},
}
_UNKNOWN = {"customers": "unknown customer", "invoices": "unknown invoice"}
# What rules may read of the referenced row, as ref_<column>__<attribute>.
_REFERENCED_ATTRIBUTES = {"customers": (), "invoices": ("customer_id", "amount")}

_PROMISE = "outcome in (" + ", ".join(f"'{value}'" for value in PROMISE_OUTCOMES) + ")"

# Rules beyond required / type / accepted values, in the contract's words.
ENTITY_RULES: dict[str, tuple[Rule, ...]] = {
    "customers": (
        Rule("country", "not an ISO 3166-1 alpha-2 code",
             "not regexp_full_match(country, '[A-Z]{2}')"),
        Rule("credit_limit", "must be >= 0", "credit_limit < 0"),
        Rule("payment_terms_days", "must be within 0..365",
             "payment_terms_days not between 0 and 365"),
    ),
    "invoices": (
        Rule("amount", "invoice amount must be > 0",
             "document_type = 'invoice' and amount <= 0"),
        Rule("amount", "credit note amount must be < 0",
             "document_type = 'credit_note' and amount >= 0"),
        Rule("due_date", "before document_date", "due_date < document_date"),
        Rule("currency", "not an ISO 4217 code", "not regexp_full_match(currency, '[A-Z]{3}')"),
    ),
    "payments": (
        Rule("amount", "must be > 0", "amount <= 0"),
        Rule("document_id", "invoice of another customer",
             "ref_document_id__customer_id <> customer_id"),
    ),
    "disputes": (
        Rule("disputed_amount", "must be > 0", "disputed_amount <= 0"),
        Rule("disputed_amount", "above the invoice amount",
             "disputed_amount > abs(ref_document_id__amount)"),
        Rule("document_id", "invoice of another customer",
             "ref_document_id__customer_id <> customer_id"),
        Rule("closed_date", "required unless status is open",
             "status in ('resolved', 'rejected') and closed_date__text is null"),
        Rule("closed_date", "before opened_date", "closed_date < opened_date"),
    ),
    "calls": (
        Rule("promised_amount", "must be > 0 with a promise",
             f"promised_amount <= 0 or ({_PROMISE} and promised_amount__text is null)"),
        Rule("promised_date", "required with a promise",
             f"{_PROMISE} and promised_date__text is null"),
        Rule("promised_date", "before the call date", "promised_date < cast(call_time as DATE)"),
        Rule("duration_seconds", "must be >= 0", "duration_seconds < 0"),
    ),
    "invoice_statuses": (
        Rule("status_code", "must be within {}..{}".format(*STATUS_CODE_RANGE),
             "status_code not between {} and {}".format(*STATUS_CODE_RANGE)),
        Rule("amount", "must be >= 0", "amount < 0"),
    ),
}


def rules_for(entity_name: str) -> list[Rule]:
    """Every rule of an entity, in the order they are reported."""
    entity = ENTITIES[entity_name]
    rules = []
    for column in entity.columns:
        text = f"{column.name}__text"
        if column.required:
            rules.append(Rule(column.name, "required", f"{text} is null"))
        if column.type in _NOT_PARSED:
            rules.append(Rule(column.name, _NOT_PARSED[column.type],
                              f"{text} is not null and {column.name} is null"))
        if column.accepted_values:
            values = ", ".join(column.accepted_values)
            quoted = ", ".join(f"'{value}'" for value in column.accepted_values)
            rules.append(Rule(column.name, f"unknown value (expected {values})",
                              f"{column.name} not in ({quoted})"))
    for column, target in REFERENCES[entity_name].items():
        rules.append(Rule(column, _UNKNOWN[target],
                          f"{column} is not null and ref_{column}__key is null"))
    return rules + list(ENTITY_RULES[entity_name])


def rule_catalogue() -> list[tuple[str, str]]:
    """(entity, rule text) for every rule: documentation and the tests' reference."""
    return [(entity, rule.text) for entity in ENTITIES for rule in rules_for(entity)]


def check_rows_sql(entity_name: str, column_of: dict[str, str]) -> str:
    """SQL creating `checked_rows(row_number, <contract columns typed>, broken_rules)` from
    `extract_rows`; broken_rules is '' for a good row."""
    entity = ENTITIES[entity_name]
    texts = ",\n        ".join(
        f"nullif(trim({column_of[column.name]}), '') as {column.name}__text"
        if column.name in column_of else f"cast(null as VARCHAR) as {column.name}__text"
        for column in entity.columns
    )
    typed = ",\n        ".join(
        f"{parse_expression(entity_name, column)} as {column.name}" for column in entity.columns
    )
    joins = "\n    ".join(
        f"left join (select {ENTITIES[target].key} as ref_{column}__key"
        + "".join(f", {attribute} as ref_{column}__{attribute}"
                  for attribute in _REFERENCED_ATTRIBUTES[target])
        + f" from raw.{target}) on ref_{column}__key = typed.{column}"
        for column, target in REFERENCES[entity_name].items()
    )
    checks = ",\n        ".join(
        f"case when {rule.broken_when} then '{rule.text}' end" for rule in rules_for(entity_name)
    )
    columns = ", ".join(f"typed.{column}" for column in entity.column_names)
    return f"""
    create or replace temp table checked_rows as
    with texts as (
        select row_number,
        {texts}
        from extract_rows
    ),
    typed as (
        select *,
        {typed}
        from texts
    )
    select typed.row_number, {columns},
        concat_ws('; ',
        {checks}
        ) as broken_rules
    from typed
    {joins}
    """
