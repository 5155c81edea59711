"""Responders: who answers the pages, by script or by hand.

``registry.responder_named(name, runbook)`` makes one: ``knight-2012``
(what Knight did), ``by-the-book`` (follows the runbook), ``asleep`` (never
acts), ``human`` (a person, through ``gameday act``). The protocol and the
``DeskView`` they decide from are in ``base``; ``docs/responders.md`` says
what each one does and when.
"""
