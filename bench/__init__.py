"""The performance benchmark of issue 8: `python -m bench.run --sizes 100k,1M,10M`."""
