"""Drills: the YAML format, its models, and loading with one-line errors.

Entry points: ``harness.drill.loader.load_drill`` (a name or a path to a
validated ``Drill``), ``harness.drill.models.Drill`` and
``harness.drill.expectations.Expectation``. The format is documented in
``docs/drills.md``.
"""
