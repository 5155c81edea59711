"""Asyncio plumbing shared by every service: frame sessions, admin HTTP, process runtime."""
