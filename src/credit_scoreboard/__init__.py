"""Credit scoreboard: receivables KPIs from ERP extracts, reproducible and tested."""

__version__ = "0.1.0"
