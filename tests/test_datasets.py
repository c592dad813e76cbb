"""Datasets: IDX reading, Fashion-MNIST dataset, few-shot and noisy-label wrappers, composed detection."""

import gzip
import json
import os.path as osp

import numpy as np
import pytest

from mmkd.datasets import (
    FashionMNISTIDX,
    FewShotDataset,
    GrayToRGB,
    NoisyLabelDataset,
    compose_detection_split,
    read_idx,
    stratified_indices,
    symmetric_noise,
    write_idx,
)

PIPELINE = [dict(type='GrayToRGB'), dict(type='PackInputs')]


def test_idx_round_trip_and_errors(tmp_path):
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    for name in ('a.gz', 'a'):
        write_idx(str(tmp_path / name), arr)
        assert np.array_equal(read_idx(str(tmp_path / name)), arr)
    with gzip.open(tmp_path / 'bad.gz', 'wb') as f:
        f.write(b'\x00\x00\x08\x01\x00\x00\x00\x05abc')  # header says 5 bytes, 3 follow
    with pytest.raises(ValueError, match=r'bad\.gz: header says shape \(5,\)'):
        read_idx(str(tmp_path / 'bad.gz'))
    (tmp_path / 'junk').write_bytes(b'PK\x03\x04')
    with pytest.raises(ValueError, match='bad magic number'):
        read_idx(str(tmp_path / 'junk'))


def test_fashion_dataset_reads_files_and_names_what_is_missing(fashion_root, tmp_path):
    ds = FashionMNISTIDX(data_root=fashion_root, split='test', num_samples=10, pipeline=PIPELINE)
    assert len(ds) == 10 and ds.metainfo['classes'][0] == 'T-shirt/top'
    item = ds[3]
    assert tuple(item['inputs'].shape) == (3, 28, 28)
    labels = read_idx(osp.join(fashion_root, 't10k-labels-idx1-ubyte.gz'))
    assert int(item['data_samples'].gt_label) == labels[3]
    with pytest.raises(FileNotFoundError, match='t10k-images-idx3-ubyte.*dataset-fashion-mnist'):
        FashionMNISTIDX(data_root=str(tmp_path), split='test', lazy_init=False)
    with pytest.raises(ValueError, match='split must be'):
        FashionMNISTIDX(data_root=fashion_root, split='val')


def test_fashion_dataset_holds_a_validation_split_out_of_the_training_images(fashion_root):
    labels = read_idx(osp.join(fashion_root, 'train-labels-idx1-ubyte.gz'))
    train = FashionMNISTIDX(data_root=fashion_root, split='train', num_samples=20)
    val = FashionMNISTIDX(data_root=fashion_root, split='train', start=20, num_samples=12)
    rest = FashionMNISTIDX(data_root=fashion_root, split='train', start=20)
    infos = {name: [ds.get_data_info(i) for i in range(len(ds))] for name, ds in (('train', train), ('val', val))}
    assert [d['gt_label'] for d in infos['train']] == labels[:20].tolist()
    assert [d['gt_label'] for d in infos['val']] == labels[20:32].tolist()
    assert len(rest) == len(labels) - 20
    train_imgs = {d['img'].tobytes() for d in infos['train']}
    assert not train_imgs & {d['img'].tobytes() for d in infos['val']}  # no image in both
    with pytest.raises(ValueError, match=f'start={len(labels)} skips every image of the train split'):
        FashionMNISTIDX(data_root=fashion_root, split='train', start=len(labels), lazy_init=False)
    with pytest.raises(ValueError, match='start=-1 must be a whole number'):
        FashionMNISTIDX(data_root=fashion_root, split='train', start=-1)


def test_gray_to_rgb():
    out = GrayToRGB()(dict(img=np.full((4, 5), 7, np.uint8)))
    assert out['img'].shape == (4, 5, 3) and (out['img'] == 7).all() and out['img_shape'] == (4, 5)


def test_stratified_few_shot_split():
    labels = np.repeat(np.arange(4), 20)
    keep = stratified_indices(labels, 0.25, seed=0)
    assert len(keep) == 20
    assert np.bincount(labels[keep]).tolist() == [5, 5, 5, 5]  # the same share of every class
    assert np.array_equal(keep, stratified_indices(labels, 0.25, seed=0))  # same split for every method
    assert not np.array_equal(keep, stratified_indices(labels, 0.25, seed=1))
    assert len(stratified_indices(labels, 1.0)) == 80
    with pytest.raises(ValueError, match=r'ratio must be in \(0, 1\]'):
        stratified_indices(labels, 0.0)


def test_few_shot_dataset_wrapper(fashion_root):
    full = FashionMNISTIDX(data_root=fashion_root, split='train')
    sub = FewShotDataset(dict(type='FashionMNISTIDX', data_root=fashion_root, split='train'), ratio=0.5)
    assert len(sub) == len(full) // 2
    counts = np.bincount([sub.get_data_info(i)['gt_label'] for i in range(len(sub))], minlength=10)
    full_counts = np.bincount([full.get_data_info(i)['gt_label'] for i in range(len(full))], minlength=10)
    assert np.abs(counts - full_counts / 2).max() <= 1


def test_symmetric_noise_exact_fraction():
    labels = np.repeat(np.arange(10), 10)
    noisy = symmetric_noise(labels, 0.3, 10, seed=0)
    changed = noisy != labels
    assert changed.sum() == 30  # exactly the fraction, and a changed label is always another class
    assert np.array_equal(noisy, symmetric_noise(labels, 0.3, 10, seed=0))
    assert np.array_equal(symmetric_noise(labels, 0.0, 10), labels)
    with pytest.raises(ValueError, match='noise ratio'):
        symmetric_noise(labels, 1.5, 10)


def test_noisy_label_dataset_feeds_the_pipeline(fashion_root):
    ds = NoisyLabelDataset(
        dict(type='FashionMNISTIDX', data_root=fashion_root, split='train', pipeline=PIPELINE), noise_ratio=0.5, seed=0
    )
    flipped = np.nonzero(ds.labels != ds.clean_labels)[0]
    assert len(flipped) == round(0.5 * len(ds))
    i = int(flipped[0])
    assert int(ds[i]['data_samples'].gt_label) == ds.labels[i] != ds.clean_labels[i]


def test_composed_detection_boxes_cover_the_objects(tmp_path):
    objs = np.zeros((6, 28, 28), np.uint8)
    objs[:, 8:20, 6:22] = 200  # a bright 12x16 block inside each 28x28 crop
    ann = compose_detection_split(
        objs, np.arange(6) % 3, ['a', 'b', 'c'], str(tmp_path), 'train', 5, canvas=96, size_range=(28, 28), seed=0
    )
    coco = json.load(open(ann))
    assert len(coco['images']) == 5 and coco['annotations']
    import cv2

    for a in coco['annotations']:
        x, y, w, h = a['bbox']
        assert (w, h) == (16, 12)  # the tight box of the pasted block, not the 28x28 crop
        img = cv2.imread(osp.join(tmp_path, 'train', f'{a["image_id"]:06d}.png'), cv2.IMREAD_GRAYSCALE)
        assert (img[int(y) : int(y + h), int(x) : int(x + w)] == 200).all()
        assert 1 <= a['category_id'] <= 3
    with pytest.raises(ValueError, match='non-empty'):
        compose_detection_split(objs[:0], np.arange(0), ['a'], str(tmp_path), 'val', 1)
