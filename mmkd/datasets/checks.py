"""Start-up checks of image-folder datasets (mmpretrain's ``CustomDataset`` without ``ann_file``).

mmpretrain numbers the classes of a folder dataset by its sorted sub-folder names, split by split.
A class folder missing from one split (e.g. an empty folder that was not copied) shifts every
later label of that split without any error; a class folder without images in every split is a
class the model can never learn. Both are refused here before anything is built.
"""

import inspect
import os
import os.path as osp
from typing import Dict, Iterator, List, Optional, Tuple

SPLITS = ('train', 'val', 'test')


class ClassFolderMismatchError(ValueError):
    """Image-folder splits of one config do not have the same class folders."""


class EmptyClassFolderError(ValueError):
    """A class folder holds no image in any split."""


def _is_folder_dataset(dataset_type) -> bool:
    # subclasses (ImageNet, CUB, ...) lay out their splits themselves: only the plain class is checked
    from mmpretrain.datasets import CustomDataset

    from mmkd.registry import DATASETS

    cls = DATASETS.get(dataset_type) if isinstance(dataset_type, str) else dataset_type
    return cls is CustomDataset


def _folder_datasets(dataset) -> Iterator[dict]:
    """The ``CustomDataset`` configs inside ``dataset``, wrappers (``dataset=`` / ``datasets=``) unwrapped."""
    if isinstance(dataset, (list, tuple)):
        for d in dataset:
            yield from _folder_datasets(d)
        return
    if not isinstance(dataset, dict):
        return
    if _is_folder_dataset(dataset.get('type')):
        yield dataset
    for key in ('dataset', 'datasets'):
        if key in dataset:
            yield from _folder_datasets(dataset[key])


def _image_folder(dataset: dict) -> Optional[str]:
    """The folder a ``CustomDataset`` config scans for class folders; None when it reads an ann_file."""
    if dataset.get('ann_file') or dataset.get('with_label', True) is False:
        return None
    prefix = dataset.get('data_prefix', '')
    if isinstance(prefix, dict):
        prefix = prefix.get('img_path', '')
    root = dataset.get('data_root', '') or ''
    return osp.normpath(prefix if osp.isabs(prefix) or not root else osp.join(root, prefix))


def _has_image(folder: str, extensions: Tuple[str, ...]) -> bool:
    for _, _, files in os.walk(folder, followlinks=True):
        if any(f.lower().endswith(extensions) for f in files):
            return True
    return False


def _extensions(dataset: dict) -> Tuple[str, ...]:
    from mmpretrain.datasets import CustomDataset

    default = inspect.signature(CustomDataset.__init__).parameters['extensions'].default
    return tuple(e.lower() for e in dataset.get('extensions', default))


def folder_splits(cfg) -> Dict[str, Tuple[List[str], Tuple[str, ...]]]:
    """``{folder: (class folders, extensions)}`` of the config's local image-folder datasets, train first."""
    from mmpretrain.datasets.custom import find_folders

    found = {}
    for split in SPLITS:
        loader = cfg.get(f'{split}_dataloader')
        if not isinstance(loader, dict):
            continue
        for dataset in _folder_datasets(loader.get('dataset')):
            folder = _image_folder(dataset)
            if folder and folder not in found and osp.isdir(folder):
                found[folder] = (find_folders(folder)[0], _extensions(dataset))
    return found


def check_class_folders(cfg) -> None:
    """Raise when the image-folder splits of ``cfg`` disagree on their classes, or a class has no image.

    Args:
        cfg (Config): the loaded config. Folders that do not exist (yet) are left to the dataset.
    """
    splits = folder_splits(cfg)
    if not splits:
        return
    (ref, (ref_classes, _)), *others = splits.items()
    lines = []
    for folder, (classes, _) in others:
        missing = sorted(set(ref_classes) - set(classes))
        extra = sorted(set(classes) - set(ref_classes))
        if missing or extra:
            lines.append(f'  {folder} lacks {missing} and has {extra} that {ref} lacks')
    if lines:
        raise ClassFolderMismatchError(
            f'config {cfg.filename}: image-folder splits have different class folders, so their labels would '
            f'not match (mmpretrain numbers classes by the sorted folder names of each split):\n'
            + '\n'.join(lines)
            + '\nMake the folder trees agree: create the missing class folders (an empty folder '
            'keeps the numbering where a split has no image of that class) or remove the extra ones; or give '
            'every split an ann_file with explicit labels. Passing classes=[...] does not renumber a folder scan.'
        )
    empty = [
        c for c in ref_classes if not any(_has_image(osp.join(folder, c), ext) for folder, (_, ext) in splits.items())
    ]
    if empty:
        raise EmptyClassFolderError(
            f'config {cfg.filename}: class folder(s) {empty} hold no image (extensions '
            f'{sorted(next(iter(splits.values()))[1])}) in any of {list(splits)}: the model would have classes '
            'it can never learn. Add the images, or delete these folders from every split.'
        )
