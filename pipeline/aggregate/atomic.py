"""Moved to `pipeline.runtime.files` (the file machinery of every stage); these names
stay importable from here while `excel.py`, being rewritten on another branch, still
imports them from this module. Import from `pipeline.runtime.files`."""
from pipeline.runtime.files import (atomic_path, fsync_dir, fsync_file,  # noqa: F401
                                    tmp_path_for, write_text_atomic, write_text_replace)
