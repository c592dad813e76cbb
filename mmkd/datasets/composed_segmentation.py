"""A small segmentation set composed from classification images (e.g. Fashion-MNIST objects pasted on
canvases): every object pixel is labelled with its object's class + 1, the background 0.

The twin of :mod:`mmkd.datasets.composed_detection` (same canvas composition), written in mmseg's
``img_dir/<split>`` + ``ann_dir/<split>`` layout and read by :class:`ComposedSegmentation`. The set is
composed, not collected: it exercises the transfer path (a distilled backbone inside DeepLabV3) on
this machine, and its mIoU says nothing about natural-image segmentation.

This module imports mmseg (to register the dataset there); transfer configs load it with
``custom_imports=dict(imports=['mmkd.datasets.composed_segmentation'])``.
"""

import os
import os.path as osp
from typing import Sequence, Tuple

import cv2
import numpy as np
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from mmkd.utils.progress import ProgressReporter

from .composed_detection import _place

__all__ = ['compose_segmentation_split', 'ComposedSegmentation']

FOREGROUND = 20  # object pixels brighter than this are the object (as the detection twin's tight boxes)


def compose_segmentation_split(
    images: np.ndarray,
    labels: np.ndarray,
    out_dir: str,
    split: str,
    num_images: int,
    canvas: int = 128,
    objects: Tuple[int, int] = (1, 3),
    size_range: Tuple[int, int] = (28, 56),
    seed: int = 0,
    progress=True,
) -> str:
    """Paste random objects from ``images`` onto noisy canvases; write images and label maps.

    Args:
        images (np.ndarray): (N, H, W) uint8 object crops (gray).
        labels (np.ndarray): (N,) class ids; a pixel of class c is labelled ``c + 1``.
        out_dir (str): dataset root; writes ``img_dir/<split>/*.png`` (3-channel) and
            ``ann_dir/<split>/*.png`` (uint8 label maps).
        split (str): split name, e.g. ``'train'`` or ``'val'``.
        num_images (int): canvases to write.
        canvas (int): canvas side. objects: min/max objects per canvas. size_range: object side range.
        seed (int): random seed; the same seed writes the same set.
        progress: counts the canvases written (see :mod:`mmkd.utils.progress`); ``False`` is silent.

    Returns:
        str: the ``ann_dir/<split>`` folder.
    """
    if len(images) == 0 or len(images) != len(labels):
        raise ValueError(
            f'compose_segmentation_split: need matching, non-empty images/labels, got '
            f'{len(images)} images and {len(labels)} labels'
        )
    if int(np.max(labels)) + 1 > 254:
        raise ValueError(
            f'compose_segmentation_split: class ids must be < 254 (label maps are uint8 with '
            f'255 ignored), got {int(np.max(labels))}'
        )
    rng = np.random.default_rng(seed)
    img_dir, ann_dir = osp.join(out_dir, 'img_dir', split), osp.join(out_dir, 'ann_dir', split)
    os.makedirs(img_dir, exist_ok=True)
    os.makedirs(ann_dir, exist_ok=True)
    with ProgressReporter(num_images, f'compose {split} (segmentation)', 'img', progress) as bar:
        for index in range(1, num_images + 1):
            img = rng.integers(0, 40, size=(canvas, canvas), dtype=np.uint8)
            seg = np.zeros((canvas, canvas), dtype=np.uint8)
            sizes = rng.integers(size_range[0], size_range[1] + 1, size=int(rng.integers(objects[0], objects[1] + 1)))
            for x, y, size in _place(rng, canvas, sizes):  # non-overlapping: one class per pixel
                k = int(rng.integers(len(images)))
                obj = cv2.resize(images[k], (size, size), interpolation=cv2.INTER_LINEAR)
                img[y : y + size, x : x + size] = np.maximum(img[y : y + size, x : x + size], obj)
                seg[y : y + size, x : x + size][obj > FOREGROUND] = int(labels[k]) + 1
            name = f'{index:06d}.png'
            cv2.imwrite(osp.join(img_dir, name), cv2.cvtColor(img, cv2.COLOR_GRAY2BGR))
            cv2.imwrite(osp.join(ann_dir, name), seg)
            bar.update()
    return ann_dir


@DATASETS.register_module()
class ComposedSegmentation(BaseSegDataset):
    """The composed set written by :func:`compose_segmentation_split` (mmseg ``BaseSegDataset``).

    Label 0 is the background and label ``c + 1`` the class ``c`` of the source set; the default
    classes are Fashion-MNIST's. Pass ``metainfo=dict(classes=(...))`` (background first) for another
    source.

    Args:
        data_root (str): the ``out_dir`` of :func:`compose_segmentation_split`.
        data_prefix (dict): e.g. ``dict(img_path='img_dir/train', seg_map_path='ann_dir/train')``.
        **kwargs: see ``mmseg.datasets.BaseSegDataset``.
    """

    METAINFO = dict(
        classes=(
            'background',
            'T-shirt/top',
            'Trouser',
            'Pullover',
            'Dress',
            'Coat',
            'Sandal',
            'Shirt',
            'Sneaker',
            'Bag',
            'Ankle boot',
        ),
        palette=[
            [0, 0, 0],
            [230, 25, 75],
            [60, 180, 75],
            [255, 225, 25],
            [0, 130, 200],
            [245, 130, 48],
            [145, 30, 180],
            [70, 240, 240],
            [240, 50, 230],
            [210, 245, 60],
            [250, 190, 212],
        ],
    )

    def __init__(
        self, img_suffix: str = '.png', seg_map_suffix: str = '.png', reduce_zero_label: bool = False, **kwargs
    ):
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, reduce_zero_label=reduce_zero_label, **kwargs
        )


def compose_fashion_segmentation(
    images: np.ndarray,
    labels: np.ndarray,
    out_dir: str,
    num_images: Sequence[int] = (400, 150),
    seed: int = 0,
    progress=True,
) -> str:
    """Write the train / val splits from disjoint halves of ``images`` (seeds ``seed`` and ``seed + 1``),
    as the demo does for detection; returns ``out_dir``."""
    half = len(images) // 2
    compose_segmentation_split(
        images[:half], labels[:half], out_dir, 'train', num_images[0], seed=seed, progress=progress
    )
    compose_segmentation_split(
        images[half:], labels[half:], out_dir, 'val', num_images[1], seed=seed + 1, progress=progress
    )
    return out_dir
