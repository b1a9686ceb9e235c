"""ghminer: turn trade-union work reports into grounded facts and district statistics.

Stages, one subpackage each: ingest -> normalise -> clean -> split -> structure
-> extract -> aggregate. `pipeline.process.process_file` runs the per-file
stages; `pipeline.run` drives a corpus; `pipeline.cli` is the command line.
"""
__version__ = "0.1.0"
