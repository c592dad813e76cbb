"""Fine-grained sets in the layouts their authors ship: Stanford Dogs and MIT67 (Indoor67).

mmpretrain 1.x reads Stanford Cars (``StanfordCars``), FGVC-Aircraft (``FGVCAircraft``) and CUB-200 (``CUB``)
itself; these two it does not read. Both number their classes by the sorted class folders of ``Images/``,
so the train and test splits agree whatever their list files hold.
"""

import os
import os.path as osp
from typing import List, Tuple

import numpy as np
from mmpretrain.datasets import BaseDataset

from mmkd.registry import DATASETS


def _class_folders(images: str, dataset: str) -> List[str]:
    if not osp.isdir(images):
        raise FileNotFoundError(
            f'{dataset}: {images} does not exist: set data_root to the folder that holds Images/ '
            '(see docs/datasets.md for the layout)'
        )
    folders = sorted(d for d in os.listdir(images) if osp.isdir(osp.join(images, d)))
    if not folders:
        raise FileNotFoundError(f'{dataset}: {images} holds no class folders')
    return folders


def _check_split(split: str, splits) -> None:
    if split not in splits:
        raise ValueError(f'split must be one of {list(splits)}, got {split!r}')


def _mat_strings(cell) -> List[str]:
    """The strings of a MATLAB cell array as scipy reads it (an object array of 1-element arrays)."""
    return [str(np.asarray(c).ravel()[0]) for c in np.asarray(cell, dtype=object).ravel()]


class _ClassFolderSplits(BaseDataset):
    """A set whose classes are the sorted folders of ``data_root/Images/`` and whose ``'train'`` / ``'test'``
    splits are list files (:meth:`split_file`; the test split is read in test mode)."""

    SPLITS = ('train', 'test')

    def __init__(self, data_root: str, split: str = 'train', **kwargs):
        _check_split(split, self.SPLITS)
        self.split = split
        kwargs.setdefault('test_mode', split == 'test')
        super().__init__(ann_file=self.split_file(split), data_root=data_root, **kwargs)

    @staticmethod
    def split_file(split: str) -> str:
        """The list file of ``split``, relative to ``data_root``."""
        raise NotImplementedError

    def _images_and_folders(self, dataset: str, missing_list: str) -> Tuple[str, List[str]]:
        """``data_root/Images`` and its class folders; ``missing_list`` says where the absent list file comes from."""
        images = osp.join(self.data_root, 'Images')
        folders = _class_folders(images, dataset)
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'{dataset}: {self.ann_file} does not exist ({missing_list})')
        return images, folders


@DATASETS.register_module()
class StanfordDogs(_ClassFolderSplits):
    """Stanford Dogs (120 breeds, 12,000 train / 8,580 test images); mmpretrain has no reader for it.

    Layout (``images.tar`` and ``lists.tar`` of http://vision.stanford.edu/aditya86/ImageNetDogs/)::

        data_root/Images/n02085620-Chihuahua/n02085620_10074.jpg ...
        data_root/lists/train_list.mat, test_list.mat

    A class is a folder of ``Images/`` (sorted, as the lists' 1-based ``labels`` number them); its name is
    the breed after the WordNet id (``Chihuahua``).

    Args:
        data_root (str): the folder that holds ``Images/`` and ``lists/``.
        split (str): ``'train'`` or ``'test'``. Defaults to ``'train'``.
        **kwargs: see mmpretrain's ``BaseDataset`` (``pipeline``, ``indices``...).
    """

    @staticmethod
    def split_file(split: str) -> str:
        return osp.join('lists', f'{split}_list.mat')

    def load_data_list(self) -> List[dict]:
        from scipy.io import loadmat

        images, folders = self._images_and_folders(
            'StanfordDogs', f'it ships in lists.tar; extract that under {self.data_root}'
        )
        mat = loadmat(self.ann_file)
        if 'file_list' not in mat:
            raise ValueError(f'StanfordDogs: {self.ann_file} has no file_list (keys: {sorted(mat)})')
        index = {folder: i for i, folder in enumerate(folders)}
        data_list = []
        for rel in _mat_strings(mat['file_list']):
            folder = rel.replace('\\', '/').split('/')[0]
            if folder not in index:
                raise ValueError(f'StanfordDogs: {self.ann_file} lists {rel}, but {images} has no folder {folder}')
            data_list.append(dict(img_path=osp.join(images, rel), gt_label=index[folder]))
        self._metainfo['classes'] = tuple(f.split('-', 1)[-1] for f in folders)
        return data_list


@DATASETS.register_module()
class MIT67(_ClassFolderSplits):
    """MIT Indoor Scenes (67 classes; 5,360 train / 1,340 test list entries); mmpretrain has no reader for it.

    Layout (``indoorCVPR_09.tar`` plus the split files of https://web.mit.edu/torralba/www/indoor.html)::

        data_root/Images/airport_inside/airport_inside_0001.jpg ...
        data_root/TrainImages.txt, TestImages.txt   (one ``<class>/<file>.jpg`` a line)

    A class is a folder of ``Images/`` (sorted). Papers count 5,356 / 1,337 images: the dataset base wraps
    this one in ``SkipUnreadableImages``, which drops (and logs) any listed file that cannot be decoded.

    Args:
        data_root (str): the folder that holds ``Images/`` and the two split files.
        split (str): ``'train'`` or ``'test'``. Defaults to ``'train'``.
        **kwargs: see mmpretrain's ``BaseDataset``.
    """

    @staticmethod
    def split_file(split: str) -> str:
        return f'{split.capitalize()}Images.txt'

    def load_data_list(self) -> List[dict]:
        images, folders = self._images_and_folders(
            'MIT67',
            f'TrainImages.txt / TestImages.txt are the split files of the dataset page; put them in {self.data_root}',
        )
        index = {folder: i for i, folder in enumerate(folders)}
        data_list = []
        with open(self.ann_file, encoding='utf-8') as f:
            for lineno, line in enumerate(f, 1):
                rel = line.strip().replace('\\', '/')
                if not rel:
                    continue
                folder = rel.split('/')[0]
                if folder not in index:
                    raise ValueError(
                        f'MIT67: {self.ann_file} line {lineno} lists {rel}, but {images} has no folder {folder}'
                    )
                data_list.append(dict(img_path=osp.join(images, rel), gt_label=index[folder]))
        self._metainfo['classes'] = tuple(folders)
        return data_list
