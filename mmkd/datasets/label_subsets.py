"""Label-budget wrappers reused by every method: few-shot subsets and symmetric label noise."""

import copy
from typing import Union

import numpy as np

from mmkd.registry import DATASETS


def _build(dataset: Union[dict, object]):
    ds = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
    ds.full_init()
    if len(ds) == 0:
        raise ValueError(
            f'the dataset to subset or relabel ({type(ds).__name__}) has no samples: check its '
            'data_root / data_prefix / ann_file (and num_samples, where it has one)'
        )
    return ds


def _labels(ds) -> np.ndarray:
    return np.array([int(ds.get_data_info(i)['gt_label']) for i in range(len(ds))])


def stratified_indices(labels: np.ndarray, ratio: float, seed: int = 0) -> np.ndarray:
    """Indices of a class-stratified ``ratio`` of ``labels`` (sklearn's StratifiedShuffleSplit, as HSSAKD)."""
    from sklearn.model_selection import StratifiedShuffleSplit

    if not 0 < ratio <= 1:
        raise ValueError(f'few-shot ratio must be in (0, 1], got {ratio}')
    if ratio == 1:
        return np.arange(len(labels))
    split = StratifiedShuffleSplit(n_splits=1, test_size=1 - ratio, random_state=seed)
    keep, _ = next(split.split(np.zeros(len(labels)), labels))
    return np.sort(keep)


@DATASETS.register_module()
def FewShotDataset(dataset: Union[dict, object], ratio: float, seed: int = 0):
    """Keep a class-stratified ``ratio`` of ``dataset`` (the same split for every method, given ``seed``)."""
    ds = _build(dataset)
    return ds.get_subset(stratified_indices(_labels(ds), ratio, seed).tolist())


def symmetric_noise(labels: np.ndarray, ratio: float, num_classes: int, seed: int = 0) -> np.ndarray:
    """Replace the labels of ``round(ratio * N)`` random samples by a uniformly drawn *other* class."""
    if not 0 <= ratio <= 1:
        raise ValueError(f'label noise ratio must be in [0, 1], got {ratio}')
    rng = np.random.default_rng(seed)
    noisy = labels.copy()
    flip = rng.choice(len(labels), size=int(round(ratio * len(labels))), replace=False)
    shift = rng.integers(1, num_classes, size=len(flip))
    noisy[flip] = (labels[flip] + shift) % num_classes
    return noisy


class RelabelledDataset:
    """Base of dataset wrappers that keep a dataset's samples and pipeline but replace its labels.

    Subclasses set ``self.dataset``, ``self.labels`` (one int per sample) and ``self.metainfo``.
    """

    dataset = None
    labels = None

    def __len__(self) -> int:
        return len(self.dataset)

    def get_data_info(self, idx: int) -> dict:
        info = self.dataset.get_data_info(idx)
        info['gt_label'] = int(self.labels[idx])
        return info

    def __getitem__(self, idx: int):
        return self.dataset.pipeline(self.get_data_info(idx))


@DATASETS.register_module()
class NoisyLabelDataset(RelabelledDataset):
    """``dataset`` with a fixed fraction of its training labels replaced symmetrically.

    Args:
        dataset (dict | Dataset): the dataset to wrap.
        noise_ratio (float): fraction of samples whose label is changed (to another class).
        seed (int): seed of the corruption, so every method sees the same labels. Defaults to 0.
    """

    def __init__(self, dataset: Union[dict, object], noise_ratio: float, seed: int = 0):
        self.dataset = _build(dataset)
        self.metainfo = copy.deepcopy(self.dataset.metainfo)
        num_classes = len(self.metainfo.get('classes') or []) or int(_labels(self.dataset).max()) + 1
        self.clean_labels = _labels(self.dataset)
        self.labels = symmetric_noise(self.clean_labels, noise_ratio, num_classes, seed)
        self.noise_ratio = noise_ratio
