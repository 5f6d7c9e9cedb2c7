"""Benchmarks and tooling that print numbers."""
