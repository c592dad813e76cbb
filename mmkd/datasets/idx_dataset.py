import gzip
import os.path as osp
from typing import List, Optional

import numpy as np
from mmpretrain.datasets import BaseDataset
from mmpretrain.datasets.categories import FASHIONMNIST_CATEGORITES

from mmkd.registry import DATASETS


def read_idx(path: str) -> np.ndarray:
    """Read an IDX file (``.gz`` or raw), as the MNIST family ships them."""
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f'{path} is not an unsigned-byte IDX file (bad magic number)')
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], 'big') for i in range(ndim))
    offset = 4 + 4 * ndim
    expected = int(np.prod(shape))
    if len(data) - offset != expected:
        raise ValueError(
            f'{path}: header says shape {shape} ({expected} bytes) but the file holds {len(data) - offset} bytes'
        )
    return np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(shape)


def write_idx(path: str, array: np.ndarray) -> None:
    """Write a uint8 array as an IDX file (gzipped when ``path`` ends in ``.gz``); used by tests/tools."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b''.join(int(d).to_bytes(4, 'big') for d in array.shape)
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'wb') as f:
        f.write(header + array.tobytes())


@DATASETS.register_module()
class FashionMNISTIDX(BaseDataset):
    """Fashion-MNIST (or any MNIST-style set) read from IDX files on disk, gzipped or not.

    mmpretrain's ``FashionMNIST`` expects un-gzipped files and offers to download; this one reads
    the files as Debian's ``dataset-fashion-mnist`` installs them (``/usr/share/datasets/fashion-mnist``)
    and never touches the network. Images are (28, 28) uint8 arrays; use ``GrayToRGB`` in the pipeline.

    Args:
        data_root (str): directory with ``{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]``.
        split (str): ``'train'`` or ``'test'``.
        num_samples (int, optional): keep the first ``num_samples`` images (quick runs).
        start (int): skip the first ``start`` images; with ``split='train'`` this holds a validation
            split out of the training images (``start`` = the images trained on). Default: 0.
        **kwargs: see mmpretrain's ``BaseDataset``.
    """

    METAINFO = {'classes': FASHIONMNIST_CATEGORITES}
    PREFIX = {'train': 'train', 'test': 't10k'}

    def __init__(
        self, data_root: str, split: str = 'train', num_samples: Optional[int] = None, start: int = 0, **kwargs
    ):
        if split not in self.PREFIX:
            raise ValueError(f'FashionMNISTIDX: split must be "train" or "test", got {split!r}')
        if num_samples is not None and (not isinstance(num_samples, int) or num_samples < 1):
            raise ValueError(
                f'FashionMNISTIDX: num_samples={num_samples!r} keeps no image; set it to a positive '
                'number, or to None for the whole split'
            )
        if not isinstance(start, int) or start < 0:
            raise ValueError(f'FashionMNISTIDX: start={start!r} must be a whole number of images, 0 or more')
        self.split = split
        self.num_samples = num_samples
        self.start = start
        kwargs.setdefault('test_mode', split == 'test')
        super().__init__(ann_file='', data_root=data_root, **kwargs)

    def _find(self, stem: str) -> str:
        for name in (stem + '.gz', stem):
            path = osp.join(self.data_root, name)
            if osp.isfile(path):
                return path
        raise FileNotFoundError(
            f'FashionMNISTIDX: {stem}[.gz] not found in {self.data_root!r} '
            '(install the Debian package dataset-fashion-mnist, or point data_root '
            'at a directory holding the IDX files)'
        )

    def load_data_list(self) -> List[dict]:
        prefix = self.PREFIX[self.split]
        imgs = read_idx(self._find(f'{prefix}-images-idx3-ubyte'))
        labels = read_idx(self._find(f'{prefix}-labels-idx1-ubyte'))
        if len(imgs) != len(labels):
            raise ValueError(f'FashionMNISTIDX: {len(imgs)} images but {len(labels)} labels in {self.data_root}')
        if self.start >= len(imgs):
            raise ValueError(
                f'FashionMNISTIDX: start={self.start} skips every image of the {self.split} split '
                f'({len(imgs)} images in {self.data_root})'
            )
        stop = None if self.num_samples is None else self.start + self.num_samples
        imgs, labels = imgs[self.start : stop], labels[self.start : stop]
        return [dict(img=img, gt_label=int(label)) for img, label in zip(imgs, labels)]
