"""Checkpoints that a kill can never leave truncated or lost.

mmengine's ``CheckpointHook`` deletes the checkpoint that falls out of ``max_keep_ckpts`` (and the previous
best one) before it writes the new one, and writes in place: a run killed while saving keeps a truncated
file only. Here every file is written to a temporary name in its folder, fsync'ed and renamed, and a
checkpoint is removed only once its successor and ``last_checkpoint`` are complete on disk.
"""

import contextlib
import os
import os.path as osp
import re
from typing import List, Union

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend, register_backend
from mmengine.hooks import CheckpointHook
from mmengine.registry import HOOKS as MMENGINE_HOOKS

from mmkd.registry import HOOKS

__all__ = ['AtomicCheckpointHook', 'AtomicLocalBackend', 'atomic_write', 'remove_stale_parts', 'use_atomic_checkpoints']

ATOMIC_BACKEND = 'mmkd_atomic_local'
_PART = re.compile(r'^\..+\.(\d+)\.part$')


def _fsync_dir(dirname: str) -> None:
    fd = os.open(dirname, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: str, data: Union[bytes, str]) -> None:
    """Write ``data`` to ``path`` so that ``path`` is either the old file or the complete new one.

    Args:
        path (str): the destination file.
        data (bytes | str): the content (``str`` is written as UTF-8).
    """
    if isinstance(data, str):
        data = data.encode('utf-8')
    dirname = osp.dirname(osp.abspath(path))
    os.makedirs(dirname, exist_ok=True)
    part = osp.join(dirname, f'.{osp.basename(path)}.{os.getpid()}.part')
    try:
        with open(part, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(part, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(part)
        raise
    _fsync_dir(dirname)  # make the rename itself durable


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_parts(dirname: str) -> List[str]:
    """Remove the temporary files of :func:`atomic_write` left in ``dirname`` by killed processes.

    Returns:
        list[str]: the removed paths.
    """
    removed = []
    if not osp.isdir(dirname):
        return removed
    for name in os.listdir(dirname):
        match = _PART.match(name)
        if match and not _pid_alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.remove(osp.join(dirname, name))
                removed.append(osp.join(dirname, name))
    return removed


@register_backend(ATOMIC_BACKEND, force=True)
class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend with :func:`atomic_write` for ``put`` and ``put_text``."""

    def put(self, obj: bytes, filepath) -> None:
        atomic_write(str(filepath), obj)

    def put_text(self, obj: str, filepath, encoding: str = 'utf-8') -> None:
        atomic_write(str(filepath), obj.encode(encoding))


class _DeferredRemoval:
    """A file backend whose ``remove`` / ``rmtree`` wait until :meth:`flush` (everything else passes)."""

    def __init__(self, backend):
        self._backend = backend
        self.pending = []

    def remove(self, path) -> None:
        self.pending.append((self._backend.remove, path))

    def rmtree(self, path) -> None:
        self.pending.append((self._backend.rmtree, path))

    def flush(self, keep=()) -> None:
        for remove, path in self.pending:
            if path not in keep:
                remove(path)
        self.pending = []

    def __getattr__(self, name):
        return getattr(self._backend, name)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """``CheckpointHook`` (same arguments) whose periodic, last and best checkpoints and ``last_checkpoint``
    file are written atomically, deleting old checkpoints only after the new one is complete.

    A local ``out_dir`` (the default, the work_dir) gets atomic writes; a remote backend set with
    ``backend_args`` / ``file_client_args`` keeps its own writes and only the deletion order changes.
    """

    def before_train(self, runner) -> None:
        out_dir = self.out_dir if self.out_dir is not None else runner.work_dir
        local = '://' not in str(out_dir)
        if local and self.backend_args is None and self.file_client_args is None:
            self.backend_args = dict(backend=ATOMIC_BACKEND)
        elif is_main_process():
            runner.logger.warning(
                f'AtomicCheckpointHook: checkpoints in {out_dir} are written by the '
                'configured file backend, not atomically'
            )
        super().before_train(runner)
        if is_main_process() and local:
            for path in remove_stale_parts(self.out_dir) + remove_stale_parts(runner.work_dir):
                runner.logger.info(f'Removed {path}, a partial checkpoint of a run that was killed while saving')

    def _save_checkpoint_with_step(self, runner, step, meta):
        # mmengine's order with the removal of the checkpoint that falls out of max_keep_ckpts moved to the end
        outdated = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated = self.file_backend.join_path(
                    self.out_dir, self.filename_tmpl.format(self.keep_ckpt_ids.popleft())
                )
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args,
        )
        if not is_main_process():
            return
        atomic_write(osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        if outdated is not None and outdated != self.last_ckpt:
            self._remove(outdated)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        # mmengine removes the previous best before writing the new one; hold every removal until the new
        # best and the re-saved latest checkpoint (which records the new best) are on disk
        backend = self.file_backend
        deferred = self.file_backend = _DeferredRemoval(backend)
        try:
            super()._save_best_checkpoint(runner, metrics)
        finally:
            self.file_backend = backend
        keep = {
            self.last_ckpt,
            getattr(self, 'best_ckpt_path', None),
            *(getattr(self, 'best_ckpt_path_dict', None) or {}).values(),
        }
        deferred.flush(keep=keep)

    def _remove(self, path: str) -> None:
        if self.file_backend.isfile(path):
            self.file_backend.remove(path)
        elif self.file_backend.isdir(path):  # deepspeed checkpoints are folders
            self.file_backend.rmtree(path)


# mmdet / mmseg scopes cannot reach mmkd's registry by a scoped name, but fall back to mmengine's root one
MMENGINE_HOOKS.register_module(module=AtomicCheckpointHook, force=True)


def use_atomic_checkpoints(cfg) -> bool:
    """Turn a config's plain ``CheckpointHook`` (mmdet / mmseg defaults included) into an
    :class:`AtomicCheckpointHook` with the same arguments, in place.

    Returns:
        bool: whether the hook was replaced.
    """
    hook = (cfg.get('default_hooks') or {}).get('checkpoint')
    kind = hook.get('type') if hook else None
    if kind is not CheckpointHook and not (isinstance(kind, str) and kind.split('.')[-1] == 'CheckpointHook'):
        return False
    hook['type'] = 'AtomicCheckpointHook'
    # the config the run dumps must build the hook again in any tool and scope (tools/test.py on an mmdet run)
    imports = dict(cfg.get('custom_imports') or {})
    names = list(imports.get('imports') or [])
    if __name__ not in names:
        cfg['custom_imports'] = dict(
            imports, imports=names + [__name__], allow_failed_imports=imports.get('allow_failed_imports', False)
        )
    return True
