"""Hardening: hostile and broken inputs, faults mid-run, safe outputs (see docs/reliability.md)."""
