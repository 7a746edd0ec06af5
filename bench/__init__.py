"""Benchmarks of the analytics kit (``python -m bench.run``; results in results.md)."""
