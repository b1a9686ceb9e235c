"""The process and file-system machinery the domain stages use, fenced off from them.

- `files`: output files that appear whole or not at all (temporary name, fsync,
  rename) and the removal of temporary files a killed process left;
- `memory`: freed memory handed back to the system during a build (Arrow's
  jemalloc pool, glibc's `malloc_trim`).

Nothing here knows about reports, facts or branches. Not here: the per-file worker
pool (`pipeline.run.engine_local`), built on the run's job window and outcomes
(`run.window`, `run.cache`, `run.work`) and so part of the run, not a separate
piece of machinery.
"""
