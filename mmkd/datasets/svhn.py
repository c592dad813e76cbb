"""SVHN cropped digits (32x32, 10 classes) from the ``*_32x32.mat`` files."""

import os.path as osp
from typing import List

import numpy as np
from mmpretrain.datasets import BaseDataset

from mmkd.registry import DATASETS


@DATASETS.register_module()
class SVHN(BaseDataset):
    """SVHN, format 2 (cropped digits): 73,257 train / 26,032 test / 531,131 extra; mmpretrain has no reader.

    Layout (http://ufldl.stanford.edu/housenumbers/)::

        data_root/train_32x32.mat, test_32x32.mat, extra_32x32.mat (optional)

    Each file holds ``X`` (32, 32, 3, N) uint8 and ``y`` (N, 1); label 10 is the digit 0, so labels are the
    digits 0-9. Images are ``(32, 32, 3)`` **RGB** arrays (``to_rgb=False`` in the data preprocessor).

    Args:
        data_root (str): the folder that holds the ``.mat`` files.
        split (str): ``'train'``, ``'test'`` or ``'extra'``. Defaults to ``'train'``.
        **kwargs: see mmpretrain's ``BaseDataset``.
    """

    SPLITS = ('train', 'test', 'extra')
    METAINFO = {'classes': tuple(str(d) for d in range(10))}

    def __init__(self, data_root: str, split: str = 'train', **kwargs):
        if split not in self.SPLITS:
            raise ValueError(f'SVHN: split must be one of {list(self.SPLITS)}, got {split!r}')
        self.split = split
        kwargs.setdefault('test_mode', split == 'test')
        super().__init__(ann_file=f'{split}_32x32.mat', data_root=data_root, **kwargs)

    def load_data_list(self) -> List[dict]:
        from scipy.io import loadmat

        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'SVHN: {self.ann_file} does not exist: set data_root to the folder holding the cropped-digits '
                'files train_32x32.mat / test_32x32.mat'
            )
        mat = loadmat(self.ann_file)
        missing = [k for k in ('X', 'y') if k not in mat]
        if missing:
            raise ValueError(f'SVHN: {self.ann_file} has no {" / ".join(missing)} (keys: {sorted(mat)})')
        images, labels = mat['X'], np.asarray(mat['y']).ravel().astype(np.int64)
        if images.ndim != 4 or images.shape[:3] != (32, 32, 3) or images.shape[3] != len(labels):
            raise ValueError(
                f'SVHN: {self.ann_file}: X has shape {images.shape} and y {len(labels)} labels; '
                'expected X (32, 32, 3, N) with N labels'
            )
        if len(labels) and (labels.min() < 1 or labels.max() > 10):
            raise ValueError(f'SVHN: {self.ann_file}: y holds {labels.min()}..{labels.max()}, expected 1..10')
        labels = labels % 10  # 10 is the digit 0
        images = np.ascontiguousarray(images.transpose(3, 0, 1, 2))
        return [dict(img=img, gt_label=int(y)) for img, y in zip(images, labels)]
