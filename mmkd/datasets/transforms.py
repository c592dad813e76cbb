from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms import LoadImageFromFile as MMCVLoadImageFromFile
from mmengine.logging import MMLogger

from mmkd.registry import TRANSFORMS


@TRANSFORMS.register_module()
class GrayToRGB(BaseTransform):
    """Repeat a single-channel image to 3 channels (H, W) or (H, W, 1) -> (H, W, 3)."""

    def transform(self, results: dict) -> dict:
        img = results['img']
        if img.ndim == 2:
            img = img[..., None]
        if img.shape[-1] == 1:
            img = np.repeat(img, 3, axis=-1)
        results['img'] = np.ascontiguousarray(img)
        results['img_shape'] = img.shape[:2]
        return results


class UnreadableImageError(OSError):
    """An image file that cannot be read or decoded."""


@TRANSFORMS.register_module()
class LoadImageFromFile(MMCVLoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` that names the file and the remedy when an image cannot be read.

    Registered in the ``mmkd`` scope under mmcv's name, so every mmkd config's
    ``dict(type='LoadImageFromFile')`` gets it. A missing, truncated or undecodable file raises
    :class:`UnreadableImageError` instead of a bare ``failed to load image`` assertion from a
    dataloader worker, unless ``skip_unreadable`` is set.

    Args:
        skip_unreadable (bool): return ``None`` for an unreadable image and log it (the first
            few by path, then a count), so mmengine's dataset draws another sample. Works in
            training pipelines only: datasets in test mode refuse ``None``; for val / test wrap
            the dataset in ``SkipUnreadableImages``, which drops such files at build time.
            Defaults to False.
        **kwargs: see mmcv's ``LoadImageFromFile``.
    """

    log_first = 5

    def __init__(self, skip_unreadable: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.skip_unreadable = skip_unreadable
        self.num_skipped = 0

    def transform(self, results: dict) -> Optional[dict]:
        filename = results['img_path']
        try:
            return super().transform(results)
        except Exception as e:
            if not self.skip_unreadable:
                raise UnreadableImageError(
                    f'cannot read image {filename} ({type(e).__name__}: {e}). Replace or delete the file; or '
                    "skip such files: dict(type='LoadImageFromFile', skip_unreadable=True) in the train "
                    "pipeline draws another image instead, and wrapping the dataset in "
                    "dict(type='SkipUnreadableImages', dataset=...) drops them when it is built "
                    '(also for val / test)'
                ) from e
            self.num_skipped += 1
            if self.num_skipped <= self.log_first or self.num_skipped % 100 == 0:
                MMLogger.get_current_instance().warning(
                    f'skip_unreadable: skipped {filename} ({type(e).__name__}: {e}); '
                    f'{self.num_skipped} unreadable image(s) skipped so far by this worker'
                )
            return None
