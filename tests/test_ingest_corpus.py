"""The bad-input corpus of issue 3: each case is a small landing folder and its expected
outcome, either rows quarantined with the right rule (and the rest loaded), or a clean
one-line failure naming the file and the problem. Every loaded file must reconcile:
rows read = rows loaded + rows quarantined.

Every case starts from the same good base (customers C1, C2; invoices I1 of C1 for
1000.00 and I2 of C2 for 500.00), loaded first, so referential rules have keys to find.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

from credit_scoreboard.ingest import ExtractError, load_landing

BASE = {
    "customers.csv": (
        "customer_id,customer_name,segment,region,country,credit_limit,payment_terms_days,"
        "payment_terms_basis\n"
        "C1,Alpha SA,SME,North,FR,10000,30,invoice_date\n"
        "C2,Beta GmbH,Key accounts,East,DE,,60,end_of_month\n"
    ),
    "invoices.csv": (
        "document_id,customer_id,document_type,document_date,due_date,amount\n"
        "I1,C1,invoice,2024-01-10,2024-02-09,1000.00\n"
        "I2,C2,invoice,2024-01-15,2024-03-15,500.00\n"
    ),
}
INVOICE_HEADER = "document_id,customer_id,document_type,document_date,due_date,amount\n"
PAYMENT_HEADER = "payment_id,customer_id,document_id,payment_date,amount,method\n"
DISPUTE_HEADER = (
    "dispute_id,document_id,customer_id,opened_date,reason,disputed_amount,status,closed_date\n"
)
STATUS_HEADER = (
    "status_id,document_id,status_code,status_time,issuer,reason_code,requested_action,amount\n"
)
CDAR_SAMPLE = (Path(__file__).parent / "fixtures" / "cdar" / "flux6_sample_207_and_212.xml")
CDAR_NAMESPACES = (
    'xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100" '
    'xmlns:ram="urn:un:unece:uncefact:data:standard:'
    'ReusableAggregateBusinessInformationEntity:100" '
    'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"'
)


def cdar_message(message_id: str, invoice: str, code: str, time: str = "20240201093000",
                 role: str = "BY") -> str:
    """A minimal CDAR (flow 6) status message: what the ingest reads of one."""
    return (
        f"<rsm:CrossDomainAcknowledgementAndResponse {CDAR_NAMESPACES}>"
        f"<rsm:ExchangedDocument><ram:ID>{message_id}</ram:ID>"
        f"<ram:IssuerTradeParty><ram:RoleCode>{role}</ram:RoleCode></ram:IssuerTradeParty>"
        "</rsm:ExchangedDocument><rsm:AcknowledgementDocument><ram:IssueDateTime>"
        f'<udt:DateTimeString format="204">{time}</udt:DateTimeString></ram:IssueDateTime>'
        f"<ram:ReferenceReferencedDocument><ram:IssuerAssignedID>{invoice}</ram:IssuerAssignedID>"
        f"<ram:ProcessConditionCode>{code}</ram:ProcessConditionCode>"
        "</ram:ReferenceReferencedDocument></rsm:AcknowledgementDocument>"
        "</rsm:CrossDomainAcknowledgementAndResponse>"
    )


def cdar_file(*messages: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n<batch>' + "".join(messages) + "</batch>\n"


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{level} "{("&lol" + str(level - 1) + ";") * 10}">'
              for level in range(2, 10)).replace("&lol1;", "&lol;")
    + ']>\n<batch>&lol9;</batch>\n'
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE batch [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
    + cdar_file(cdar_message("M1", "&secret;", "207")).split("\n", 1)[1]
)


def xlsx(sheets: dict[str, list[list]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def parquet(sql: str) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "extract.parquet"
        duckdb.connect().execute(f"copy ({sql}) to '{path}' (format parquet)")
        return path.read_bytes()


@dataclass
class Case:
    name: str
    files: dict[str, str | bytes]  # written in this order, after the base (mtime order)
    quarantined: dict[tuple[str, int], str] = field(default_factory=dict)  # -> rule
    fails: str | None = None  # the whole ExtractError message
    # SQL on the loaded raw tables -> the expected rows
    expect: list[tuple[str, list[tuple]]] = field(default_factory=list)


CASES = [
    Case(
        "semicolon delimiter, decimal comma with space, NBSP and dot thousands",
        {"invoices_fr.csv": (
            "document_id;customer_id;document_type;document_date;due_date;amount\n"
            "F1;C1;invoice;2024-03-01;2024-03-31;1 234,56\n"
            "F2;C1;invoice;2024-03-01;2024-03-31;2\u00a0345,60\n"
            "F3;C2;invoice;2024-03-01;2024-03-31;1.234.567,89\n"
            "F4;C2;credit_note;2024-03-01;2024-03-01;-12,5\n"
        )},
        expect=[("select document_id, amount from raw.invoices where document_id like 'F%' "
                 "order by 1", [("F1", Decimal("1234.56")), ("F2", Decimal("2345.60")),
                                ("F3", Decimal("1234567.89")), ("F4", Decimal("-12.50"))])],
    ),
    Case(
        "comma delimiter with quoted thousands separators",
        {"invoices_us.csv": INVOICE_HEADER + 'U1,C1,invoice,2024-03-01,2024-03-31,"1,234.56"\n'},
        expect=[("select amount from raw.invoices where document_id = 'U1'",
                 [(Decimal("1234.56"),)])],
    ),
    Case(
        "UTF-8 byte order mark before the header",
        {"customers_bom.csv": "\ufeffcustomer_id,customer_name,segment,region\n"
                              "C3,Gamma,SME,West\n"},
        expect=[("select customer_name from raw.customers where customer_id = 'C3'",
                 [("Gamma",)])],
    ),
    Case(
        "Windows-1252 French export: accents and the euro sign",
        {"customers_fr.csv": "customer_id;customer_name;segment;region\n"
                             "C3;Société Générale €;Key accounts;Île-de-France\n"
                             .encode("cp1252")},
        expect=[("select customer_name, region from raw.customers where customer_id = 'C3'",
                 [("Société Générale €", "Île-de-France")])],
    ),
    Case(
        "DD/MM/YYYY dates",
        {"invoices_dates.csv": INVOICE_HEADER + "D1,C1,invoice,05/02/2024,06/03/2024,10\n"},
        expect=[("select document_date::varchar, due_date::varchar from raw.invoices "
                 "where document_id = 'D1'", [("2024-02-05", "2024-03-06")])],
    ),
    Case(
        "headers matched case-insensitively and trimmed, in any order",
        {"invoices_h.csv": " Amount ,DOCUMENT_ID,Customer_Id,document_type,Due_Date,"
                           "document_date\n7.5,H1,C1,invoice,2024-03-31,2024-03-01\n"},
        expect=[("select amount from raw.invoices where document_id = 'H1'",
                 [(Decimal("7.50"),)])],
    ),
    Case(
        "missing required column",
        {"invoices_x.csv": "document_id,customer_id,document_type,document_date,due_date\n"
                           "X1,C1,invoice,2024-03-01,2024-03-31\n"},
        fails="invoices_x.csv: missing required column amount",
    ),
    Case(
        "extra unknown column is ignored and logged",
        {"invoices_extra.csv": "document_id,customer_id,document_type,document_date,due_date,"
                               "amount,sales_rep\nE1,C1,invoice,2024-03-01,2024-03-31,10,Bob\n"},
        expect=[("select ignored_columns from raw.load_log where file_name = 'invoices_extra.csv'",
                 [("sales_rep",)])],
    ),
    Case("empty file", {"payments_empty.csv": ""}, fails="payments_empty.csv: empty file"),
    Case("blank lines only", {"payments_blank.csv": "\n\n"},
         fails="payments_blank.csv: empty file"),
    Case(
        "header only: a delta with no rows loads nothing",
        {"payments_none.csv": PAYMENT_HEADER},
        expect=[("select rows_read, rows_loaded, rows_quarantined from raw.load_log "
                 "where file_name = 'payments_none.csv'", [(0, 0, 0)])],
    ),
    Case(
        "truncated last line",
        {"payments_cut.csv": PAYMENT_HEADER + "P1,C1,I1,2024-02-01,100,transfer\nP2,C1,I1,20"},
        fails="payments_cut.csv: truncated last line (row 2: missing columns "
              "(Expected Number of Columns: 6 Found: 4))",
    ),
    Case(
        "a line with too many fields in the middle is quarantined, row numbers stay right",
        {"payments_wide.csv": PAYMENT_HEADER + "P1,C1,I1,2024-02-01,100,transfer\n"
                              "P2,C1,I1,2024-02-02,1,00,transfer\n"
                              "P3,C1,I1,2024-02-03,-5,transfer\n"},
        quarantined={
            ("payments_wide.csv", 2): "row: too many columns (Expected Number of Columns: 6 "
                                      "Found: 7)",
            ("payments_wide.csv", 3): "amount: must be > 0",
        },
    ),
    Case(
        "duplicate key in one file: the later row wins, both count as loaded",
        {"invoices_dup.csv": INVOICE_HEADER + "K1,C1,invoice,2024-03-01,2024-03-31,10\n"
                                              "K1,C1,invoice,2024-03-01,2024-04-30,20\n"},
        expect=[("select amount, due_date::varchar, source_row from raw.invoices "
                 "where document_id = 'K1'", [(Decimal("20.00"), "2024-04-30", 2)]),
                ("select rows_read, rows_loaded from raw.load_log "
                 "where file_name = 'invoices_dup.csv'", [(2, 2)])],
    ),
    Case(
        "duplicate key across files: the later extract (modification time) wins",
        {"invoices_z_first.csv": INVOICE_HEADER + "I1,C1,invoice,2024-01-10,2024-02-09,900\n",
         "invoices_a_second.csv": INVOICE_HEADER + "I1,C1,invoice,2024-01-10,2024-02-09,800\n"},
        expect=[("select amount, source_file from raw.invoices where document_id = 'I1'",
                 [(Decimal("800.00"), "invoices_a_second.csv")])],
    ),
    Case(
        "unknown customer",
        {"invoices_c.csv": INVOICE_HEADER + "N1,C9,invoice,2024-03-01,2024-03-31,10\n"},
        quarantined={("invoices_c.csv", 1): "customer_id: unknown customer"},
    ),
    Case(
        "negative invoice",
        {"invoices_neg.csv": INVOICE_HEADER + "N2,C1,invoice,2024-03-01,2024-03-31,-10\n"},
        quarantined={("invoices_neg.csv", 1): "amount: invoice amount must be > 0"},
    ),
    Case(
        "positive credit note",
        {"invoices_cn.csv": INVOICE_HEADER + "N3,C1,credit_note,2024-03-01,2024-03-01,10\n"},
        quarantined={("invoices_cn.csv", 1): "amount: credit note amount must be < 0"},
    ),
    Case(
        "due date before document date",
        {"invoices_due.csv": INVOICE_HEADER + "N4,C1,invoice,2024-03-01,2024-02-28,10\n"},
        quarantined={("invoices_due.csv", 1): "due_date: before document_date"},
    ),
    Case(
        "unknown enum value (case aside: 'Invoice' is an invoice)",
        {"invoices_enum.csv": INVOICE_HEADER + "N5,C1,proforma,2024-03-01,2024-03-31,10\n"
                                               "N6,C1,Invoice,2024-03-01,2024-03-31,10\n"},
        quarantined={("invoices_enum.csv", 1):
                     "document_type: unknown value (expected invoice, credit_note)"},
        expect=[("select document_type from raw.invoices where document_id = 'N6'",
                 [("invoice",)])],
    ),
    Case(
        "non-numeric and ambiguous amounts are refused, never guessed",
        {"invoices_amt.csv": INVOICE_HEADER + "N7,C1,invoice,2024-03-01,2024-03-31,ten\n"
                                              "N8,C1,invoice,2024-03-01,2024-03-31,\"1,234\"\n"
                                              "N9,C1,invoice,2024-03-01,2024-03-31,1.234\n"},
        quarantined={
            ("invoices_amt.csv", row): "amount: not an amount (1234.56 or 1 234,56, at most "
                                       "two decimals)" for row in (1, 2, 3)
        },
    ),
    Case(
        "impossible date and missing required value: all broken rules are reported",
        {"invoices_date.csv": INVOICE_HEADER + ",C1,invoice,2024-02-30,2024-03-31,10\n"},
        quarantined={("invoices_date.csv", 1):
                     "document_id: required; document_date: not a date (YYYY-MM-DD or "
                     "DD/MM/YYYY)"},
    ),
    Case(
        "NUL bytes",
        {"payments_nul.csv": (PAYMENT_HEADER + "P1,C1,I1,2024-02-01,100,tr\x00ansfer\n").encode()},
        # offset: 62 header bytes + len("P1,C1,I1,2024-02-01,100,tr") = 62 + 26 = 88
        fails="payments_nul.csv: NUL byte at offset 88 (binary or UTF-16 file?)",
    ),
    Case(
        "bytes that are neither UTF-8 nor Windows-1252",
        {"customers_bad.csv":
         b"customer_id,customer_name,segment,region\nC5,Bad \x81 name,SME,W\n"},
        # offset: 41 header bytes + len("C5,Bad ") = 41 + 7 = 48 (0x81: undefined in both)
        fails="customers_bad.csv: undecodable bytes at offset 48 (neither UTF-8 nor "
              "Windows-1252)",
    ),
    Case(
        "XLSX with several sheets: the sheet named after the entity is read",
        {"payments_book.xlsx": xlsx({
            "Notes": [["exported by"], ["someone"]],
            "Payments": [["payment_id", "customer_id", "document_id", "payment_date", "amount",
                          "method"],
                         ["X1", "C1", "I1", "2024-02-01", 250.5, "transfer"],
                         ["X2", "C1", "I1", "2024-02-02", -1, "transfer"]],
        })},
        quarantined={("payments_book.xlsx", 2): "amount: must be > 0"},
        expect=[("select payment_id, amount from raw.payments", [("X1", Decimal("250.50"))])],
    ),
    Case(
        "XLSX without an entity sheet: the first sheet is read; Excel dates are dates",
        {"invoices_book.xlsx": xlsx({
            "Sheet1": [["document_id", "customer_id", "document_type", "document_date",
                        "due_date", "amount"],
                       ["XL1", "C1", "invoice", dt.datetime(2024, 3, 1),
                        dt.datetime(2024, 3, 31), 99.99]],
            "Other": [["document_id"], ["nope"]],
        })},
        expect=[("select document_id, document_date::varchar, amount from raw.invoices "
                 "where document_id like 'XL%'", [("XL1", "2024-03-01", Decimal("99.99"))])],
    ),
    Case(
        "payment for an unknown invoice, and for another customer's invoice",
        {"payments_inv.csv": PAYMENT_HEADER + "P1,C1,I9,2024-02-01,100,transfer\n"
                                              "P2,C1,I2,2024-02-01,100,transfer\n"
                                              "P3,C1,,2024-02-01,100,transfer\n"},
        quarantined={("payments_inv.csv", 1): "document_id: unknown invoice",
                     ("payments_inv.csv", 2): "document_id: invoice of another customer"},
    ),
    Case(
        "dispute amount above the invoice amount; closed dispute without a closed date",
        {"disputes.csv": DISPUTE_HEADER + "S1,I2,C2,2024-02-01,wrong_price,500.01,open,\n"
                                          "S2,I2,C2,2024-02-01,wrong_price,500.00,resolved,\n"
                                          "S3,I9,C2,2024-02-01,wrong_price,5,open,\n"
                                          "S4,I2,C2,2024-02-01,wrong_price,500.00,open,\n"},
        quarantined={("disputes.csv", 1): "disputed_amount: above the invoice amount",
                     ("disputes.csv", 2): "closed_date: required unless status is open",
                     ("disputes.csv", 3): "document_id: unknown invoice"},
    ),
    Case(
        "promise without a promised date or amount",
        {"calls.csv": "call_id,customer_id,collector_id,call_time,outcome,promised_amount,"
                      "promised_date\n"
                      "K1,C1,ANA,2024-02-01 10:15,promise_to_pay,,2024-02-10\n"
                      "K2,C1,ANA,2024-02-01T10:15:00,payment_plan,100,\n"
                      "K3,C1,ANA,01/02/2024 10:15,no_answer,,\n"},
        quarantined={("calls.csv", 1): "promised_amount: must be > 0 with a promise",
                     ("calls.csv", 2): "promised_date: required with a promise"},
        expect=[("select call_id, channel, call_time::varchar from raw.calls",
                 [("K3", "phone", "2024-02-01 10:15:00")])],
    ),
    Case(
        "formula-like customer names are kept as text, never evaluated",
        {"customers_formula.csv": "customer_id,customer_name,segment,region\n"
                                  "F1,=1+1,SME,W\nF2,+33 Telecom,SME,W\nF3,-Minus SARL,SME,W\n"
                                  'F4,"@SUM(A1:A3)",SME,W\n',
         "customers_formula.xlsx": xlsx({"customers": [
             ["customer_id", "customer_name", "segment", "region"],
             ["F5", "=HYPERLINK(\"http://x\",\"y\")", "SME", "W"]]})},
        expect=[("select customer_id, customer_name from raw.customers "
                 "where customer_id like 'F%' order by 1",
                 [("F1", "=1+1"), ("F2", "+33 Telecom"), ("F3", "-Minus SARL"),
                  ("F4", "@SUM(A1:A3)"), ("F5", '=HYPERLINK("http://x","y")')])],
    ),
    Case(
        "unknown entity",
        {"invoice_lines.csv": "a,b\n1,2\n"},
        fails="invoice_lines.csv: unknown entity 'invoice' (file names start with one of: "
              "customers, invoices, payments, disputes, calls, invoice_statuses)",
    ),
    Case(
        "other files are ignored: manifest, README, hidden files",
        {"manifest.json": "{}", "README": "hello", ".invoices_tmp.csv": "garbage"},
        expect=[("select count(*) from raw.load_log", [(2,)])],
    ),
    Case(
        "a column named twice",
        {"invoices_twice.csv": INVOICE_HEADER.strip() + ",amount\n"},
        fails="invoices_twice.csv: column 'amount' appears twice in the header",
    ),
    Case(
        "typed Parquet extract loads",
        {"payments.parquet": parquet(
            "select 'Q1' as payment_id, 'C1' as customer_id, 'I1' as document_id, "
            "date '2024-02-01' as payment_date, 123.45::decimal(18,2) as amount, "
            "'card' as method")},
        expect=[("select payment_id, payment_date::varchar, amount from raw.payments",
                 [("Q1", "2024-02-01", Decimal("123.45"))])],
    ),
    Case(
        "truncated Parquet file",
        {"payments.parquet": parquet("select 'Q1' as payment_id")[:-20]},
        fails="payments.parquet: not a readable Parquet file",
    ),
    Case(
        "an XLSX that is not a zip",
        {"customers.xlsx": b"PK\x03\x04 not really"},
        fails="customers.xlsx: not a readable XLSX file",
    ),
    Case(
        "invoice_statuses table, French dialect: the file name maps to invoice_statuses, "
        "codes outside 200..299 and unknown invoices are quarantined",
        {"invoice_statuses_fr.csv": STATUS_HEADER.replace(",", ";")
         + "S1;I1;205;15/01/2024 10:30;buyer;;;\n"
           "S2;I1;199;15/01/2024 10:31;buyer;;;\n"
           "S3;I2;300;15/01/2024 10:32;platform;;;\n"
           "S4;I9;207;15/01/2024 10:33;buyer;PU_ERR;cnp;\n"
           "S5;I2;211;16/01/2024 08:00;buyer;;;500,00\n"
           "S6;I2;206;16/01/2024 08:00;seller;;XYZ;-1\n"},
        quarantined={
            ("invoice_statuses_fr.csv", 2): "status_code: must be within 200..299",
            ("invoice_statuses_fr.csv", 3): "status_code: must be within 200..299",
            ("invoice_statuses_fr.csv", 4): "document_id: unknown invoice",
            ("invoice_statuses_fr.csv", 6): "issuer: unknown value (expected buyer, supplier, "
                                            "platform); requested_action: unknown value "
                                            "(expected NOA, PIN, NIN, CNF, CNP, CNA, OTH); "
                                            "amount: must be >= 0",
        },
        expect=[("select status_id, status_code, status_time::varchar, amount "
                 "from raw.invoice_statuses order by 1",
                 [("S1", 205, "2024-01-15 10:30:00", None),
                  ("S5", 211, "2024-01-16 08:00:00", Decimal("500.00"))])],
    ),
    Case(
        "invoice_statuses as Parquet and as XLSX; requested actions read in any case",
        {"invoice_statuses.parquet": parquet(
            "select 'P1' as status_id, 'I1' as document_id, 212 as status_code, "
            "timestamp '2024-02-09 12:00:00' as status_time, 'supplier' as issuer, "
            "1000.00::decimal(18,2) as amount"),
         "invoice_statuses_book.xlsx": xlsx({"invoice_statuses": [
             ["status_id", "document_id", "status_code", "status_time", "requested_action"],
             ["X1", "I2", 207, dt.datetime(2024, 2, 1, 9, 30), "cnf"]]})},
        expect=[("select status_id, status_code, status_time::varchar, requested_action, amount "
                 "from raw.invoice_statuses order by 1",
                 [("P1", 212, "2024-02-09 12:00:00", None, Decimal("1000.00")),
                  ("X1", 207, "2024-02-01 09:30:00", "CNF", None)])],
    ),
    Case(
        "CDAR XML: every *.xml file whatever its name, several messages per file",
        {"PA_export_20240315.xml": CDAR_SAMPLE.read_bytes()},
        expect=[("select status_id, document_id, status_code, status_time::varchar, issuer, "
                 "reason_code, requested_action, amount from raw.invoice_statuses order by 1",
                 [("MSG-0001", "I1", 207, "2024-01-20 10:15:00", "buyer", "PU_ERR", "CNP", None),
                  ("MSG-0002", "I2", 212, "2024-03-15 09:00:00", "supplier", None, None,
                   Decimal("500.00"))]),
                ("select entity, rows_read, rows_loaded from raw.load_log "
                 "where file_name = 'PA_export_20240315.xml'", [("invoice_statuses", 2, 2)])],
    ),
    Case(
        "CDAR XML: a status code outside 200..299, a status for an unknown invoice",
        {"statuses.xml": cdar_file(cdar_message("M1", "I1", "200"),
                                   cdar_message("M2", "I1", "9999"),
                                   cdar_message("M3", "I9", "207"))},
        quarantined={("statuses.xml", 2): "status_code: must be within 200..299",
                     ("statuses.xml", 3): "document_id: unknown invoice"},
        expect=[("select status_id from raw.invoice_statuses", [("M1",)])],
    ),
    Case(
        "CDAR XML: a duplicated message id is quarantined, the first one loaded",
        {"statuses.xml": cdar_file(cdar_message("M1", "I1", "203"),
                                   cdar_message("M1", "I1", "205"))},
        quarantined={("statuses.xml", 2): "status_id: duplicated message id (first at row 1)"},
        expect=[("select status_id, status_code from raw.invoice_statuses", [("M1", 203)])],
    ),
    Case(
        "CDAR XML with an external entity (XXE) is refused, nothing loaded",
        {"statuses.xml": EXTERNAL_ENTITY},
        fails="statuses.xml: refused: unsafe XML",
    ),
    Case(
        "CDAR XML with a billion-laughs payload is refused, nothing loaded",
        {"statuses.xml": BILLION_LAUGHS},
        fails="statuses.xml: refused: unsafe XML",
    ),
    Case(
        "truncated CDAR XML fails the run",
        {"statuses.xml": cdar_file(cdar_message("M1", "I1", "200"))[:-40]},
        fails="statuses.xml: not well-formed XML",
    ),
    Case(
        "an XML file without any CDAR message fails the run",
        {"invoice.xml": '<?xml version="1.0"?>\n<Invoice><ID>I1</ID></Invoice>\n'},
        fails="invoice.xml: no CDAR message (CrossDomainAcknowledgementAndResponse) in the file",
    ),
]


def write_landing(folder: Path, files: dict[str, str | bytes], first_mtime: int) -> None:
    for offset, (name, content) in enumerate(files.items()):
        path = folder / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8", newline="")
        else:
            path.write_bytes(content)
        os.utime(path, (first_mtime + offset, first_mtime + offset))


def raw_snapshot(con) -> dict[str, list[tuple]]:
    tables = ["customers", "invoices", "payments", "disputes", "calls", "invoice_statuses",
              "quarantine", "load_log"]
    return {table: con.execute(f"select * from raw.{table} order by all").fetchall()
            for table in tables}


def assert_reconciled(con) -> None:
    """rows_read = rows_loaded + rows_quarantined for every file, and the counts match
    the rows actually in raw.quarantine."""
    for file_name, read, loaded, quarantined, in_quarantine in con.execute(
        """
        select file_name, rows_read, rows_loaded, rows_quarantined,
            (select count(*) from raw.quarantine q where q.file_name = log.file_name)
        from raw.load_log log
        """
    ).fetchall():
        assert read == loaded + quarantined, file_name
        assert quarantined == in_quarantine, file_name


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_corpus(case: Case, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    write_landing(landing, BASE, first_mtime=1_700_000_000)
    con = duckdb.connect()
    load_landing(con, landing)
    before = raw_snapshot(con)
    write_landing(landing, case.files, first_mtime=1_700_000_100)

    if case.fails:
        with pytest.raises(ExtractError) as error:
            load_landing(con, landing)
        message = str(error.value)
        assert "\n" not in message
        if message != case.fails:
            assert message.startswith(case.fails), message
        assert raw_snapshot(con) == before  # nothing of the failed run is kept
        return

    report = load_landing(con, landing)
    assert_reconciled(con)
    for file in report.files:
        assert file.rows_read == file.rows_loaded + file.rows_quarantined
    quarantined = {
        (file_name, row_number): rule
        for file_name, row_number, rule in con.execute(
            "select file_name, row_number, rule from raw.quarantine"
        ).fetchall()
    }
    assert quarantined == case.quarantined
    for sql, rows in case.expect:
        assert con.execute(sql).fetchall() == rows, sql


def test_corpus_covers_at_least_25_cases() -> None:
    assert len(CASES) >= 25
