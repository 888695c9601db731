"""Demo data: a deterministic community for first start, tests and benchmarks."""
