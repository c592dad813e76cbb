"""Cluster pseudo-labels (SSSD stage 2 -> 3): the annotation file, the dataset wrapper, and the
cluster <-> class bookkeeping used to score clusterings against true labels.

The annotation is an mmengine-style JSON file::

    {"metainfo": {"classes": ["0", ..., "K-1"], "num_clusters": K, ...provenance...,
                  "cluster_to_class": [...]},            # only when the target set had labels
     "data_list": [{"sample_idx": 0, "gt_label": 17}, ...]}   # one entry per sample, in order
"""

import copy
import json
import os.path as osp
from typing import Optional, Sequence, Tuple, Union

import numpy as np

from mmkd.registry import DATASETS
from mmkd.utils.atomic_write import atomic_write

from .label_subsets import RelabelledDataset


def write_pseudo_labels(path: str, labels: Sequence[int], num_clusters: int, metainfo: Optional[dict] = None) -> None:
    """Write ``labels`` (one cluster id per sample, in dataset order) to ``path`` atomically."""
    labels = np.asarray(labels, dtype=np.int64)
    if labels.ndim != 1 or len(labels) == 0:
        raise ValueError(f'pseudo-labels must be a non-empty 1-D sequence, got shape {labels.shape}')
    if labels.min() < 0 or labels.max() >= num_clusters:
        raise ValueError(f'pseudo-labels must lie in [0, {num_clusters}), got [{labels.min()}, {labels.max()}]')
    meta = dict(metainfo or {})
    meta.update(
        classes=[str(i) for i in range(num_clusters)], num_clusters=int(num_clusters), num_samples=int(len(labels))
    )
    ann = dict(metainfo=meta, data_list=[dict(sample_idx=i, gt_label=int(c)) for i, c in enumerate(labels)])
    with atomic_write(path) as f:
        json.dump(ann, f, separators=(',', ':'))


def load_pseudo_labels(path: str) -> Tuple[np.ndarray, dict]:
    """Read an annotation written by :func:`write_pseudo_labels`; return (labels, metainfo)."""
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'pseudo-label file {path} does not exist; write it first with '
            'tools/kmeans_pseudo_labels.py CONFIG CKPT --num-clusters K --out PATH'
        )
    try:
        with open(path) as f:
            ann = json.load(f)
    except json.JSONDecodeError as e:
        raise ValueError(f'pseudo-label file {path} is not valid JSON: {e}') from e
    if not isinstance(ann, dict) or 'data_list' not in ann or 'metainfo' not in ann:
        raise ValueError(f'pseudo-label file {path} needs "metainfo" and "data_list" keys')
    meta, data_list = ann['metainfo'], ann['data_list']
    num_clusters = meta.get('num_clusters')
    if not isinstance(num_clusters, int) or num_clusters < 1:
        raise ValueError(
            f'pseudo-label file {path}: metainfo.num_clusters must be a positive int, got {num_clusters!r}'
        )
    labels = np.empty(len(data_list), dtype=np.int64)
    for i, item in enumerate(data_list):
        if item.get('sample_idx', i) != i:
            raise ValueError(
                f'pseudo-label file {path}: data_list[{i}] has sample_idx '
                f'{item.get("sample_idx")}, expected {i} (entries must follow dataset order)'
            )
        labels[i] = item['gt_label']
    if len(labels) and (labels.min() < 0 or labels.max() >= num_clusters):
        raise ValueError(
            f'pseudo-label file {path}: labels span [{labels.min()}, {labels.max()}] but num_clusters is {num_clusters}'
        )
    return labels, meta


@DATASETS.register_module()
class PseudoLabelDataset(RelabelledDataset):
    """``dataset`` with every ``gt_label`` replaced by the sample's cluster id from ``ann_file``.

    ``metainfo['classes']`` becomes the cluster ids ``('0', ..., 'K-1')``. The wrapped dataset's
    pipeline is used unchanged.

    Args:
        dataset (dict | Dataset): the target set, in the order the annotation was written.
        ann_file (str): annotation from ``tools/kmeans_pseudo_labels.py``.
        num_clusters (int, optional): the K the model is built for (the config's ``num_clusters``,
            written here when the config is finalised); an annotation with another K is an error.
    """

    def __init__(self, dataset: Union[dict, object], ann_file: str, num_clusters: Optional[int] = None):
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        if hasattr(self.dataset, 'full_init'):
            self.dataset.full_init()
        self.ann_file = ann_file
        self.labels, ann_meta = load_pseudo_labels(ann_file)
        if len(self.labels) != len(self.dataset):
            raise ValueError(
                f'PseudoLabelDataset: {ann_file} holds {len(self.labels)} labels but the dataset '
                f'has {len(self.dataset)} samples; write the annotation from the same target '
                'set (same split, same num_samples) that is trained on'
            )
        self.num_clusters = ann_meta['num_clusters']
        if num_clusters is not None and num_clusters != self.num_clusters:
            raise ValueError(
                f'PseudoLabelDataset: {ann_file} holds K={self.num_clusters} clusters but the config sets '
                f'num_clusters={num_clusters}: write the annotation with --num-clusters {num_clusters}, '
                f'or set num_clusters = {self.num_clusters}'
            )
        self.metainfo = copy.deepcopy(getattr(self.dataset, 'metainfo', {}))
        self.metainfo['classes'] = tuple(str(i) for i in range(self.num_clusters))
        self.metainfo['pseudo_label_file'] = ann_file


def majority_mapping(clusters: np.ndarray, labels: np.ndarray, num_clusters: int) -> np.ndarray:
    """The most frequent true label of every cluster (``-1`` for a cluster with no sample)."""
    clusters, labels = np.asarray(clusters, dtype=np.int64), np.asarray(labels, dtype=np.int64)
    if clusters.shape != labels.shape:
        raise ValueError(f'{len(clusters)} cluster ids but {len(labels)} labels')
    counts = np.zeros((num_clusters, int(labels.max()) + 1), dtype=np.int64)
    np.add.at(counts, (clusters, labels), 1)
    mapping = counts.argmax(1)
    mapping[counts.sum(1) == 0] = -1
    return mapping


def cluster_majority_accuracy(clusters: np.ndarray, labels: np.ndarray, mapping: Optional[np.ndarray] = None) -> float:
    """Accuracy (in [0, 1]) of predicting each sample's class as its cluster's majority class.

    ``mapping`` (cluster -> class, e.g. fitted on the training set by :func:`majority_mapping`)
    scores held-out cluster assignments; without it the mapping is fitted on ``clusters`` /
    ``labels`` themselves, which makes the number the clustering's purity.
    """
    clusters, labels = np.asarray(clusters, dtype=np.int64), np.asarray(labels, dtype=np.int64)
    if len(clusters) == 0:
        raise ValueError('no samples to score')
    if mapping is None:
        mapping = majority_mapping(clusters, labels, int(clusters.max()) + 1)
    mapping = np.asarray(mapping, dtype=np.int64)
    if clusters.max() >= len(mapping):
        raise ValueError(f'cluster id {clusters.max()} has no entry in a mapping of {len(mapping)} clusters')
    return float((mapping[clusters] == labels).mean())


def cluster_purity(clusters: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of samples that share their cluster's majority label."""
    return cluster_majority_accuracy(clusters, labels)
