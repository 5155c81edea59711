"""The alert bus: pager, e-mail inbox and dashboard behind routing rules.

Run as ``python -m services.alerts``; its API is its admin HTTP endpoint.
"""
