"""Benchmark of `ghminer run` against plain jieba on a synthetic corpus (`python -m bench.run`)."""
