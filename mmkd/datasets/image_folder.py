"""An image-folder data set (``<data_root>/<split>/<class>/*.png``) that knows its number of classes."""

import os.path as osp
from typing import Optional

from mmengine.logging import print_log
from mmpretrain.datasets import CustomDataset

from mmkd.registry import DATASETS


@DATASETS.register_module()
class ImageFolderDataset(CustomDataset):
    """mmpretrain's ``CustomDataset`` read from class folders, with two start-up rules.

    Args:
        num_classes (int, optional): the classes the model predicts; the folder must hold exactly
            as many class folders, else a ``ValueError`` names both numbers and the folders.
        fallback_prefix (str, optional): the split folder to read when ``data_prefix`` does not
            exist under ``data_root`` (e.g. ``'val'`` for a set without a ``test/`` folder); the
            switch is logged.
        **kwargs: the arguments of ``CustomDataset`` (``data_root``, ``data_prefix``, ``pipeline``...).
    """

    def __init__(self, num_classes: Optional[int] = None, fallback_prefix: Optional[str] = None, **kwargs):
        root, prefix = kwargs.get('data_root', ''), kwargs.get('data_prefix', '')
        if fallback_prefix and isinstance(prefix, str) and not osp.isdir(osp.join(root, prefix)):
            if not osp.isdir(osp.join(root, fallback_prefix)):
                raise FileNotFoundError(
                    f'neither {osp.join(root, prefix)} nor {osp.join(root, fallback_prefix)} '
                    'exists: set data_root to the folder that holds train/ and val/'
                )
            print_log(
                f'{osp.join(root, prefix)} does not exist: reading {osp.join(root, fallback_prefix)} instead',
                logger='current',
            )
            kwargs['data_prefix'] = fallback_prefix
        self.expected_classes = num_classes
        super().__init__(**kwargs)

    def load_data_list(self):
        data_list = super().load_data_list()
        found = self._metainfo.get('classes') or ()
        if self.expected_classes is not None and len(found) != self.expected_classes:
            raise ValueError(
                f'{self.img_prefix} holds {len(found)} class folders {list(found)[:10]} but num_classes '
                f'is {self.expected_classes}: set num_classes = {len(found)} in the config (or '
                '--cfg-options num_classes=...), or fix the folders'
            )
        return data_list
