"""STL-10 (10 classes of 96x96 images) from its binary distribution ``stl10_binary.tar.gz``."""

import os.path as osp
from typing import List

import numpy as np
from mmpretrain.datasets import BaseDataset

from mmkd.registry import DATASETS

STL10_CLASSES = ('airplane', 'bird', 'car', 'cat', 'deer', 'dog', 'horse', 'monkey', 'ship', 'truck')
SIDE = 96


def read_stl10_images(path: str) -> np.ndarray:
    """``(N, 96, 96, 3)`` RGB uint8 images of an STL-10 ``*_X.bin`` (stored channel by channel, column-major)."""
    data = np.fromfile(path, dtype=np.uint8)
    if data.size % (3 * SIDE * SIDE):
        raise ValueError(f'{path}: {data.size} bytes is not a whole number of 3x{SIDE}x{SIDE} images')
    return np.ascontiguousarray(data.reshape(-1, 3, SIDE, SIDE).transpose(0, 3, 2, 1))


@DATASETS.register_module()
class STL10(BaseDataset):
    """STL-10, 5,000 train / 8,000 test labelled images; mmpretrain has no reader for it.

    Layout (https://cs.stanford.edu/~acoates/stl10/, extracted)::

        data_root/train_X.bin, train_y.bin, test_X.bin, test_y.bin, class_names.txt (optional)

    Images are ``(96, 96, 3)`` **RGB** arrays (as mmpretrain's CIFAR gives them: ``to_rgb=False`` in the
    data preprocessor); the files' 1-based labels become 0-9. The unlabelled split is not read.

    Args:
        data_root (str): the ``stl10_binary`` folder.
        split (str): ``'train'`` or ``'test'``. Defaults to ``'train'``.
        **kwargs: see mmpretrain's ``BaseDataset``.
    """

    SPLITS = ('train', 'test')

    def __init__(self, data_root: str, split: str = 'train', **kwargs):
        if split not in self.SPLITS:
            raise ValueError(f'STL10: split must be one of {list(self.SPLITS)}, got {split!r}')
        self.split = split
        kwargs.setdefault('test_mode', split == 'test')
        super().__init__(ann_file='', data_root=data_root, **kwargs)

    def _file(self, name: str) -> str:
        path = osp.join(self.data_root, name)
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'STL10: {path} does not exist: set data_root to the extracted stl10_binary folder '
                '(train_X.bin, train_y.bin, test_X.bin, test_y.bin)'
            )
        return path

    def load_data_list(self) -> List[dict]:
        images_file, labels_file = self._file(f'{self.split}_X.bin'), self._file(f'{self.split}_y.bin')
        images = read_stl10_images(images_file)
        labels = np.fromfile(labels_file, dtype=np.uint8).astype(np.int64) - 1
        if len(images) != len(labels):
            raise ValueError(f'STL10: {images_file} holds {len(images)} images but {labels_file} {len(labels)} labels')
        names_file = osp.join(self.data_root, 'class_names.txt')
        classes = STL10_CLASSES
        if osp.isfile(names_file):
            with open(names_file, encoding='utf-8') as f:
                classes = tuple(line.strip() for line in f if line.strip())
        if len(labels) and (labels.min() < 0 or labels.max() >= len(classes)):
            raise ValueError(
                f'STL10: {labels_file} holds labels {labels.min() + 1}..{labels.max() + 1}; '
                f'expected 1..{len(classes)} (1-based)'
            )
        self._metainfo['classes'] = classes
        return [dict(img=img, gt_label=int(y)) for img, y in zip(images, labels)]
