"""The pre-trade risk gate: the last hop before the exchange (``python -m services.gate``)."""
