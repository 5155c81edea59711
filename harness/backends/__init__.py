"""Backends bring the topology up and down: ``local`` processes, later ``docker`` and ``sim``."""
