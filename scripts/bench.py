"""Benchmarks (placeholder until the bench lands)."""

from __future__ import annotations
