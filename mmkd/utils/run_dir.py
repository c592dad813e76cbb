"""The timestamped log folders mmengine creates in a work_dir, and tidying the one of a failed run."""

import os
import os.path as osp
import re
import traceback
from typing import Optional, Set

__all__ = ['log_dirs', 'tidy_failed_log_dir']

_TIMESTAMP = re.compile(r'^\d{8}_\d{6}$')


def log_dirs(work_dir: str) -> Set[str]:
    """The runs' log folders (``YYYYmmdd_HHMMSS``) in ``work_dir``."""
    if not osp.isdir(work_dir):
        return set()
    return {
        osp.join(work_dir, name)
        for name in os.listdir(work_dir)
        if _TIMESTAMP.match(name) and osp.isdir(osp.join(work_dir, name))
    }


def tidy_failed_log_dir(log_dir: str, error: BaseException) -> Optional[str]:
    """After a run failed, append the traceback to its log file and, when the run logged no training step
    (``vis_data`` holds nothing but the config copy written at start), drop that copy and the empty folders.

    Only call it on a folder this run created.

    Args:
        log_dir (str): the run's timestamped log folder.
        error (BaseException): what stopped the run.

    Returns:
        str | None: the log file that was kept, or None when nothing was left and the folder was removed.
    """
    log_file = osp.join(log_dir, osp.basename(log_dir) + '.log')
    if osp.isfile(log_file):
        with open(log_file, 'a') as f:
            f.write('\nThe run failed:\n' + ''.join(traceback.format_exception(error)))
    vis_dir = osp.join(log_dir, 'vis_data')
    if osp.isdir(vis_dir) and set(os.listdir(vis_dir)) <= {'config.py'}:
        config_copy = osp.join(vis_dir, 'config.py')
        if osp.isfile(config_copy):
            os.remove(config_copy)  # the same config is in the log file
        os.rmdir(vis_dir)
    if osp.isdir(log_dir) and not os.listdir(log_dir):
        os.rmdir(log_dir)
        return None
    return log_file if osp.isfile(log_file) else None
