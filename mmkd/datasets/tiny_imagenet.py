"""Tiny-ImageNet (200 classes of 64x64 images) as its ``tiny-imagenet-200.zip`` extracts."""

import os
import os.path as osp
from typing import Dict, List

from mmpretrain.datasets import BaseDataset

from mmkd.registry import DATASETS

IMAGE_EXTS = ('.jpeg', '.jpg', '.png')


@DATASETS.register_module()
class TinyImageNet(BaseDataset):
    """Tiny-ImageNet, 100,000 train / 10,000 val images; mmpretrain has no reader for it.

    Layout (http://cs231n.stanford.edu/tiny-imagenet-200.zip)::

        data_root/wnids.txt                       the 200 WordNet ids
        data_root/words.txt                       optional: ``<wnid>\\t<names>``, the class names
        data_root/train/<wnid>/images/*.JPEG      500 a class
        data_root/val/images/val_<i>.JPEG
        data_root/val/val_annotations.txt         ``val_<i>.JPEG\\t<wnid>\\t<box>`` a line

    Classes are numbered by the sorted WordNet ids (as an image folder of ``train/`` numbers them). The
    labelled ``val`` split is the test set; ``test/`` has no labels and is not read.

    Args:
        data_root (str): the ``tiny-imagenet-200`` folder.
        split (str): ``'train'`` or ``'val'``. Defaults to ``'train'``.
        **kwargs: see mmpretrain's ``BaseDataset``.
    """

    SPLITS = ('train', 'val')

    def __init__(self, data_root: str, split: str = 'train', **kwargs):
        if split not in self.SPLITS:
            hint = ' (its test/ images have no labels: test on val)' if split == 'test' else ''
            raise ValueError(f'TinyImageNet: split must be one of {list(self.SPLITS)}, got {split!r}{hint}')
        self.split = split
        kwargs.setdefault('test_mode', split == 'val')
        super().__init__(ann_file='', data_root=data_root, **kwargs)

    def _file(self, *parts: str) -> str:
        path = osp.join(self.data_root, *parts)
        if not osp.exists(path):
            raise FileNotFoundError(
                f'TinyImageNet: {path} does not exist: set data_root to the extracted tiny-imagenet-200 '
                'folder (wnids.txt, train/, val/images, val/val_annotations.txt)'
            )
        return path

    def _names(self, wnids: List[str]) -> Dict[str, str]:
        words = osp.join(self.data_root, 'words.txt')
        names = {}
        if osp.isfile(words):
            with open(words, encoding='utf-8') as f:
                for line in f:
                    wnid, _, name = line.rstrip('\n').partition('\t')
                    names[wnid] = name.strip()
        return {w: names.get(w) or w for w in wnids}

    def load_data_list(self) -> List[dict]:
        wnids_file = self._file('wnids.txt')
        with open(wnids_file, encoding='utf-8') as f:
            wnids = sorted({line.strip() for line in f if line.strip()})
        if not wnids:
            raise ValueError(f'TinyImageNet: {wnids_file} lists no WordNet ids')
        index = {w: i for i, w in enumerate(wnids)}
        data_list = []
        if self.split == 'train':
            for wnid in wnids:
                folder = self._file('train', wnid, 'images')
                files = sorted(n for n in os.listdir(folder) if n.lower().endswith(IMAGE_EXTS))
                if not files:
                    raise FileNotFoundError(f'TinyImageNet: {folder} holds no images')
                data_list += [dict(img_path=osp.join(folder, n), gt_label=index[wnid]) for n in files]
        else:
            images = self._file('val', 'images')
            annotations = self._file('val', 'val_annotations.txt')
            with open(annotations, encoding='utf-8') as f:
                for lineno, line in enumerate(f, 1):
                    fields = line.split()
                    if not fields:
                        continue
                    if len(fields) < 2 or fields[1] not in index:
                        raise ValueError(
                            f'TinyImageNet: {annotations} line {lineno} ({line.strip()!r}) does not name an image '
                            f'and a WordNet id of {wnids_file}'
                        )
                    data_list.append(dict(img_path=osp.join(images, fields[0]), gt_label=index[fields[1]]))
            if not data_list:
                raise ValueError(f'TinyImageNet: {annotations} lists no images')
        names = self._names(wnids)
        self._metainfo['classes'] = tuple(names[w] for w in wnids)
        return data_list
