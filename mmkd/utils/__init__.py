from .allocator import active_allocator, find_jemalloc, use_jemalloc
from .checkpoint import UnsafeCheckpointError, mmengine_checkpoint_globals, safe_load, setup_safe_checkpoint_loading
from .config_check import UnknownConfigKeyError, check_top_level_keys
from .progress import ProgressReporter, add_progress_argument, progress_mode, track
from .setup_env import register_all_modules
from .version_check import check_stack, check_version
from .work_dir_lock import WorkDirLock, WorkDirLockedError  # noqa: F401

__all__ = [
    'UnsafeCheckpointError',
    'mmengine_checkpoint_globals',
    'safe_load',
    'setup_safe_checkpoint_loading',
    'register_all_modules',
    'check_stack',
    'check_version',
    'active_allocator',
    'find_jemalloc',
    'use_jemalloc',
    'UnknownConfigKeyError',
    'check_top_level_keys',
    'ProgressReporter',
    'track',
    'progress_mode',
    'add_progress_argument',
]
