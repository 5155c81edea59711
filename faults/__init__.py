"""Fault injectors: one small class per fault, one registry by name."""
