"""Realistic synthetic landing folders: a French B2B receivables book (issue 2)."""

from credit_scoreboard.generate.landing import GenerationSummary, generate_landing

__all__ = ["GenerationSummary", "generate_landing"]
