"""Helpers that several apps need, below them all: it imports no app of the project.

Spreadsheets, rate limits, the roles and the questions asked of them, the base domain error,
form and API plumbing. ARCHITECTURE.md says what belongs here and what does not.
"""
