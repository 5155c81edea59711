"""Seeded order flow: strategies' parent orders and RLP retail orders, by drill time."""
