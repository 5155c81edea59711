"""Conformance suite of Toxiproxy-compatible servers, and tests of the netproxy client."""
