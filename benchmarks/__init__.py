"""Benchmark scripts, one per capability (run with ``sciml bench NAME``)."""
