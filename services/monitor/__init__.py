"""The post-trade risk monitor, fed by drop copy and market data.

Run as ``python -m services.monitor``.
"""
