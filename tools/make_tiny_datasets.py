"""Write tiny datasets in the standard Pascal VOC, COCO and ADE20K layouts.

Every image shows a few non-overlapping filled rectangles / ellipses of class-specific colours on a
noisy background; boxes are the tight bounds of the drawn pixels and segmentation maps mark exactly
those pixels, so detectors and segmentors train and evaluate on them like on the real data.

``--out DIR`` plays the role of the configs' ``data/`` folder::

    DIR/VOCdevkit/VOC2007/{JPEGImages,Annotations,ImageSets/Main/{trainval,train,val,test}.txt}
    DIR/VOCdevkit/VOC2012/{JPEGImages,Annotations,ImageSets/Main/trainval.txt,
                           SegmentationClass (palette PNG), SegmentationClassAug (gray PNG),
                           ImageSets/Segmentation/{train,val,trainval,aug}.txt}
    DIR/coco/{train2017,val2017}/*.jpg, DIR/coco/annotations/instances_{train,val}2017.json
    DIR/ade/ADEChallengeData2016/{images,annotations}/{training,validation}/

    python tools/make_tiny_datasets.py --out data --kind all --num 4 [--progress auto|bar|lines|off]
"""

import argparse
import json
import os
import os.path as osp
import sys
from typing import List, Sequence, Tuple
from xml.etree import ElementTree as ET

import numpy as np
from PIL import Image

sys.path.insert(0, osp.dirname(osp.dirname(osp.realpath(__file__))))

from mmkd.utils.progress import ProgressReporter, add_progress_argument  # noqa: E402

# The 80 COCO category ids (1..90 with gaps), in the order of mmdet's CocoDataset classes.
COCO_CAT_IDS = [
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
    13,
    14,
    15,
    16,
    17,
    18,
    19,
    20,
    21,
    22,
    23,
    24,
    25,
    27,
    28,
    31,
    32,
    33,
    34,
    35,
    36,
    37,
    38,
    39,
    40,
    41,
    42,
    43,
    44,
    46,
    47,
    48,
    49,
    50,
    51,
    52,
    53,
    54,
    55,
    56,
    57,
    58,
    59,
    60,
    61,
    62,
    63,
    64,
    65,
    67,
    70,
    72,
    73,
    74,
    75,
    76,
    77,
    78,
    79,
    80,
    81,
    82,
    84,
    85,
    86,
    87,
    88,
    89,
    90,
]
ADE20K_NUM_CLASSES = 150  # annotation values 1..150; 0 is "other" (ignored with reduce_zero_label)
MIN_OBJECT = 32  # mmdet's VOC / COCO configs drop boxes and images smaller than 32 px


def voc_classes() -> Tuple[str, ...]:
    from mmdet.datasets import VOCDataset

    return tuple(VOCDataset.METAINFO['classes'])


def coco_classes() -> Tuple[str, ...]:
    from mmdet.datasets import CocoDataset

    return tuple(CocoDataset.METAINFO['classes'])


def voc_palette() -> List[int]:
    """The standard 256-entry Pascal VOC colour map, flattened for ``Image.putpalette``."""
    palette = []
    for i in range(256):
        r = g = b = 0
        c = i
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        palette += [r, g, b]
    return palette


def draw_scene(
    rng: np.random.Generator, size: Tuple[int, int], labels: Sequence[int], max_objects: int = 3
) -> Tuple[np.ndarray, np.ndarray, List[dict]]:
    """A noisy RGB image with 1..``max_objects`` non-overlapping shapes.

    Args:
        rng: random generator.
        size: (width, height) of the image; both at least 2 * MIN_OBJECT.
        labels: the label values to draw from (each > 0).
        max_objects: at most this many objects.

    Returns:
        (image HxWx3 uint8 RGB, label map HxW int32 with 0 for background, one dict per object:
        ``label``, ``box`` (x0, y0, x1, y1) = inclusive 0-based bounds of its pixels, ``area`` (pixels)
        and ``polygon`` [x, y, ...] outlining it in pixel-edge coordinates).
    """
    width, height = size
    if min(width, height) < 2 * (MIN_OBJECT + 4):
        raise ValueError(f'--size {width}x{height}: both sides must be at least {2 * (MIN_OBJECT + 4)}')
    yy, xx = np.mgrid[0:height, 0:width]
    base = rng.integers(40, 200, size=3)
    img = base + 30 * np.stack([xx / width, yy / height, (xx + yy) / (width + height)], -1)
    img = img + rng.normal(0, 8, size=img.shape)
    label_map = np.zeros((height, width), np.int32)
    objects = []
    for _ in range(int(rng.integers(1, max_objects + 1))):
        for _try in range(20):
            # a few pixels over MIN_OBJECT: VOC measures a box as xmax - xmin (one less than its pixels)
            w = int(rng.integers(MIN_OBJECT + 4, max(MIN_OBJECT + 5, width // 2)))
            h = int(rng.integers(MIN_OBJECT + 4, max(MIN_OBJECT + 5, height // 2)))
            x0, y0 = int(rng.integers(0, width - w + 1)), int(rng.integers(0, height - h + 1))
            if not label_map[y0 : y0 + h, x0 : x0 + w].any():
                break
        else:
            continue
        label = int(rng.choice(labels))
        shape = np.zeros_like(label_map, dtype=bool)
        if rng.random() < 0.5:
            shape[y0 : y0 + h, x0 : x0 + w] = True
            polygon = [x0, y0, x0 + w, y0, x0 + w, y0 + h, x0, y0 + h]
        else:  # ellipse through pixel centres; its bounds are measured below, not assumed
            cx, cy, a, b = x0 + (w - 1) / 2, y0 + (h - 1) / 2, w / 2, h / 2
            shape = ((xx - cx) / a) ** 2 + ((yy - cy) / b) ** 2 <= 1.0
            t = np.linspace(0, 2 * np.pi, 24, endpoint=False)
            polygon = np.stack([cx + 0.5 + a * np.cos(t), cy + 0.5 + b * np.sin(t)], 1).round(2).ravel().tolist()
        colour = np.array([(label * 67) % 256, (label * 131 + 50) % 256, (label * 29 + 100) % 256])
        img[shape] = colour + rng.normal(0, 6, size=(int(shape.sum()), 3))
        label_map[shape] = label
        ys, xs = np.nonzero(shape)
        objects.append(
            dict(
                label=label,
                box=(int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())),
                area=int(shape.sum()),
                polygon=polygon,
            )
        )
    return np.clip(img, 0, 255).astype(np.uint8), label_map, objects


def _save_jpg(path: str, img: np.ndarray) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    Image.fromarray(img).save(path, quality=95)


def _save_png(path: str, label_map: np.ndarray, palette: List[int] = None) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    png = Image.fromarray(label_map.astype(np.uint8), mode='P' if palette else 'L')
    if palette:
        png.putpalette(palette)
    png.save(path)


def _write_list(path: str, names: Sequence[str]) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(''.join(f'{n}\n' for n in names))


def _voc_xml(path: str, folder: str, name: str, size: Tuple[int, int], objects, classes) -> None:
    """A Pascal VOC annotation; bndbox corners are 1-based and inclusive, as in the real files."""
    root = ET.Element('annotation')
    ET.SubElement(root, 'folder').text = folder
    ET.SubElement(root, 'filename').text = f'{name}.jpg'
    node = ET.SubElement(root, 'size')
    for tag, value in zip(('width', 'height', 'depth'), (*size, 3)):
        ET.SubElement(node, tag).text = str(value)
    ET.SubElement(root, 'segmented').text = '0'
    for ob in objects:
        (x0, y0, x1, y1), obj = ob['box'], ET.SubElement(root, 'object')
        ET.SubElement(obj, 'name').text = classes[ob['label'] - 1]
        ET.SubElement(obj, 'pose').text = 'Unspecified'
        ET.SubElement(obj, 'truncated').text = '0'
        ET.SubElement(obj, 'difficult').text = '0'
        box = ET.SubElement(obj, 'bndbox')
        for tag, value in zip(('xmin', 'ymin', 'xmax', 'ymax'), (x0 + 1, y0 + 1, x1 + 1, y1 + 1)):
            ET.SubElement(box, tag).text = str(value)
    os.makedirs(osp.dirname(path), exist_ok=True)
    ET.ElementTree(root).write(path)


def write_voc(out: str, num: int, rng: np.random.Generator, size: Tuple[int, int], progress=True) -> str:
    """VOC2007 (trainval + test) and VOC2012 (detection trainval, segmentation train / val, SBD-style aug)."""
    classes = voc_classes()
    labels = range(1, len(classes) + 1)
    devkit = osp.join(out, 'VOCdevkit')
    palette = voc_palette()
    bar = ProgressReporter(5 * num, 'write VOC', 'img', progress)  # 2 * num VOC2007 + 3 * num VOC2012

    def scene(year_dir: str, name: str, seg: bool = False, aug: bool = False):
        img, label_map, objects = draw_scene(rng, size, labels)
        _save_jpg(osp.join(year_dir, 'JPEGImages', f'{name}.jpg'), img)
        _voc_xml(osp.join(year_dir, 'Annotations', f'{name}.xml'), osp.basename(year_dir), name, size, objects, classes)
        if seg:
            _save_png(osp.join(year_dir, 'SegmentationClass', f'{name}.png'), label_map, palette)
        if seg or aug:
            _save_png(osp.join(year_dir, 'SegmentationClassAug', f'{name}.png'), label_map)
        bar.update()

    voc07 = osp.join(devkit, 'VOC2007')
    trainval = [f'{i:06d}' for i in range(1, num + 1)]
    test = [f'{i:06d}' for i in range(num + 1, 2 * num + 1)]
    for name in trainval + test:
        scene(voc07, name)
    main = osp.join(voc07, 'ImageSets', 'Main')
    _write_list(osp.join(main, 'trainval.txt'), trainval)
    _write_list(osp.join(main, 'train.txt'), trainval[: max(1, num // 2)])
    _write_list(osp.join(main, 'val.txt'), trainval[max(1, num // 2) :])
    _write_list(osp.join(main, 'test.txt'), test)

    voc12 = osp.join(devkit, 'VOC2012')
    seg_train = [f'2012_{i:06d}' for i in range(1, num + 1)]
    seg_val = [f'2012_{i:06d}' for i in range(num + 1, 2 * num + 1)]
    aug_only = [f'2012_{i:06d}' for i in range(2 * num + 1, 3 * num + 1)]  # SBD images outside VOC seg
    for name in seg_train + seg_val:
        scene(voc12, name, seg=True)
    for name in aug_only:
        scene(voc12, name, aug=True)
    _write_list(osp.join(voc12, 'ImageSets', 'Main', 'trainval.txt'), seg_train + seg_val + aug_only)
    seg = osp.join(voc12, 'ImageSets', 'Segmentation')
    _write_list(osp.join(seg, 'train.txt'), seg_train)
    _write_list(osp.join(seg, 'val.txt'), seg_val)
    _write_list(osp.join(seg, 'trainval.txt'), seg_train + seg_val)
    _write_list(osp.join(seg, 'aug.txt'), seg_train + aug_only)  # as mmseg's voc_aug converter: never val
    bar.close()
    return devkit


def write_coco(out: str, num: int, rng: np.random.Generator, size: Tuple[int, int], progress=True) -> str:
    """COCO 2017 detection: train2017/val2017 images and instances_{train,val}2017.json."""
    classes = coco_classes()
    root = osp.join(out, 'coco')
    categories = [dict(id=cid, name=name, supercategory='none') for cid, name in zip(COCO_CAT_IDS, classes)]
    image_id = ann_id = 0
    bar = ProgressReporter(2 * num, 'write COCO', 'img', progress)
    for split in ('train2017', 'val2017'):
        images, annotations = [], []
        for _ in range(num):
            image_id += 1
            img, _, objects = draw_scene(rng, size, range(1, len(classes) + 1))
            file_name = f'{image_id:012d}.jpg'
            _save_jpg(osp.join(root, split, file_name), img)
            images.append(dict(id=image_id, file_name=file_name, width=size[0], height=size[1]))
            for ob in objects:
                ann_id += 1
                x0, y0, x1, y1 = ob['box']
                annotations.append(
                    dict(
                        id=ann_id,
                        image_id=image_id,
                        category_id=COCO_CAT_IDS[ob['label'] - 1],
                        iscrowd=0,
                        bbox=[x0, y0, x1 - x0 + 1, y1 - y0 + 1],
                        area=float(ob['area']),
                        segmentation=[ob['polygon']],
                    )
                )
            bar.update()
        os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
        with open(osp.join(root, 'annotations', f'instances_{split}.json'), 'w') as f:
            json.dump(
                dict(
                    info=dict(description='mmkd tiny COCO'),
                    licenses=[],
                    images=images,
                    annotations=annotations,
                    categories=categories,
                ),
                f,
            )
    bar.close()
    return root


def write_ade20k(out: str, num: int, rng: np.random.Generator, size: Tuple[int, int], progress=True) -> str:
    """ADE20K (SceneParsing): images/*.jpg and annotations/*.png with values 0 (other) .. 150."""
    root = osp.join(out, 'ade', 'ADEChallengeData2016')
    bar = ProgressReporter(2 * num, 'write ADE20K', 'img', progress)
    for split, prefix in (('training', 'ADE_train'), ('validation', 'ADE_val')):
        for i in range(1, num + 1):
            img, label_map, _ = draw_scene(rng, size, range(1, ADE20K_NUM_CLASSES + 1))
            _save_jpg(osp.join(root, 'images', split, f'{prefix}_{i:08d}.jpg'), img)
            _save_png(osp.join(root, 'annotations', split, f'{prefix}_{i:08d}.png'), label_map)
            bar.update()
    bar.close()
    return root


WRITERS = dict(voc=write_voc, coco=write_coco, ade20k=write_ade20k)


def make_tiny_datasets(
    out: str,
    kinds: Sequence[str] = ('voc', 'coco', 'ade20k'),
    num: int = 4,
    size: Tuple[int, int] = (160, 128),
    seed: int = 0,
    progress=True,
) -> dict:
    """Write the datasets named in ``kinds`` under ``out``; return {kind: root written}.

    ``progress`` (see :mod:`mmkd.utils.progress`) counts the images written per kind.
    """
    unknown = [k for k in kinds if k not in WRITERS]
    if unknown:
        raise ValueError(f'unknown dataset kind(s) {unknown}; choose from {sorted(WRITERS)}')
    if num < 1:
        raise ValueError(f'--num must be at least 1, got {num}')
    rng = np.random.default_rng(seed)
    return {kind: WRITERS[kind](out, num, rng, tuple(size), progress=progress) for kind in kinds}


def parse_args():
    parser = argparse.ArgumentParser(description='Write tiny VOC / COCO / ADE20K datasets in their real layouts')
    parser.add_argument('--out', required=True, help='folder that plays the role of data/')
    parser.add_argument('--kind', choices=[*WRITERS, 'all'], default='all', help='which dataset to write')
    parser.add_argument('--num', type=int, default=4, help='images per split')
    parser.add_argument('--size', type=int, nargs=2, default=(160, 128), metavar=('W', 'H'), help='image size')
    parser.add_argument('--seed', type=int, default=0)
    add_progress_argument(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    kinds = list(WRITERS) if args.kind == 'all' else [args.kind]
    for kind, root in make_tiny_datasets(args.out, kinds, args.num, args.size, args.seed, args.progress).items():
        print(f'{kind}: {root}')


if __name__ == '__main__':
    main()
