"""A small detection set composed from classification images (e.g. Fashion-MNIST objects pasted on
canvases), written in the COCO layout so mmdet's ``CocoDataset`` and ``CocoMetric`` read it.

The set is *composed*, not collected: it exercises the transfer path (a distilled backbone inside
Faster R-CNN) on this machine, and its mAP says nothing about natural-image detection.
"""

import json
import os
import os.path as osp
from typing import List, Sequence, Tuple

import cv2
import numpy as np

from mmkd.utils.atomic_write import atomic_write
from mmkd.utils.progress import ProgressReporter


def _place(rng, canvas: int, sizes: Sequence[int], tries: int = 50) -> List[Tuple[int, int, int]]:
    """Non-overlapping (x, y, size) boxes on a ``canvas`` x ``canvas`` image."""
    boxes = []
    for size in sizes:
        for _ in range(tries):
            x, y = (int(v) for v in rng.integers(0, canvas - size + 1, size=2))
            if all(x + size <= bx or bx + bs <= x or y + size <= by or by + bs <= y for bx, by, bs in boxes):
                boxes.append((x, y, size))
                break
    return boxes


def compose_detection_split(
    images: np.ndarray,
    labels: np.ndarray,
    classes: Sequence[str],
    out_dir: str,
    split: str,
    num_images: int,
    canvas: int = 128,
    objects: Tuple[int, int] = (1, 3),
    size_range: Tuple[int, int] = (28, 56),
    seed: int = 0,
    progress=True,
) -> str:
    """Paste random objects from ``images`` onto noisy canvases; write ``<split>/`` images and a COCO json.

    Args:
        images (np.ndarray): (N, H, W) uint8 object crops (gray).
        labels (np.ndarray): (N,) class ids.
        classes (Sequence[str]): class names (COCO categories, ids from 1).
        out_dir (str): dataset root; writes ``<split>/*.png`` and ``annotations/instances_<split>.json``.
        split (str): split name, e.g. ``'train'`` or ``'val'``.
        num_images (int): canvases to write.
        canvas (int): canvas side. objects: min/max objects per canvas. size_range: object side range.
        seed (int): random seed.
        progress: counts the canvases written (see :mod:`mmkd.utils.progress`); ``False`` is silent.

    Returns:
        str: the annotation file path.
    """
    if len(images) == 0 or len(images) != len(labels):
        raise ValueError(
            f'compose_detection_split: need matching, non-empty images/labels, got '
            f'{len(images)} images and {len(labels)} labels'
        )
    rng = np.random.default_rng(seed)
    os.makedirs(osp.join(out_dir, split), exist_ok=True)
    os.makedirs(osp.join(out_dir, 'annotations'), exist_ok=True)
    coco = dict(images=[], annotations=[], categories=[dict(id=i + 1, name=c) for i, c in enumerate(classes)])
    ann_id = 1
    with ProgressReporter(num_images, f'compose {split} (detection)', 'img', progress) as bar:
        for img_id in range(1, num_images + 1):
            img = rng.integers(0, 40, size=(canvas, canvas), dtype=np.uint8)
            sizes = rng.integers(size_range[0], size_range[1] + 1, size=int(rng.integers(objects[0], objects[1] + 1)))
            for x, y, size in _place(rng, canvas, sizes):
                k = int(rng.integers(len(images)))
                obj = cv2.resize(images[k], (size, size), interpolation=cv2.INTER_LINEAR)
                img[y : y + size, x : x + size] = np.maximum(img[y : y + size, x : x + size], obj)
                ys, xs = np.nonzero(obj > 20)  # tight box around the object's visible pixels
                if len(xs) == 0:
                    continue
                x0, y0, x1, y1 = x + xs.min(), y + ys.min(), x + xs.max() + 1, y + ys.max() + 1
                coco['annotations'].append(
                    dict(
                        id=ann_id,
                        image_id=img_id,
                        category_id=int(labels[k]) + 1,
                        bbox=[float(x0), float(y0), float(x1 - x0), float(y1 - y0)],
                        area=float((x1 - x0) * (y1 - y0)),
                        iscrowd=0,
                    )
                )
                ann_id += 1
            name = f'{img_id:06d}.png'
            cv2.imwrite(osp.join(out_dir, split, name), cv2.cvtColor(img, cv2.COLOR_GRAY2BGR))
            coco['images'].append(dict(id=img_id, file_name=name, width=canvas, height=canvas))
            bar.update()
    ann_file = osp.join(out_dir, 'annotations', f'instances_{split}.json')
    with atomic_write(ann_file) as f:
        json.dump(coco, f)
    return ann_file
