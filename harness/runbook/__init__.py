"""Runbooks: Markdown for people, front matter for the grader.

Entry points: ``harness.runbook.loader.load_runbook``,
``harness.runbook.models.Runbook`` and ``harness.runbook.grader.grade_runbook``.
The format and the adherence formula are in ``docs/runbooks.md``.
"""
