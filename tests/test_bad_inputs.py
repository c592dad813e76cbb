"""Bad inputs get a clear error naming the file / key at fault and the fix: unknown config keys,
image-folder splits that disagree, empty class folders, num_samples=0, unreadable images, k-means
with more clusters than samples (and a warning for empty clusters)."""

import glob
import os
import os.path as osp
import warnings

import numpy as np
import pytest
from conftest import REPO
from mmengine.config import Config
from PIL import Image

from mmkd.apis.kmeans import run_kmeans, warn_empty_clusters
from mmkd.apis.runner import load_config
from mmkd.datasets import (
    ClassFolderMismatchError,
    EmptyClassFolderError,
    FashionMNISTIDX,
    UnreadableImageError,
    check_class_folders,
    write_idx,
)
from mmkd.registry import DATASETS
from mmkd.utils.config_check import UnknownConfigKeyError, check_top_level_keys, known_keys

CONFIGS = sorted(
    p
    for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if f'{osp.sep}_base_{osp.sep}' not in p
)
BASE_CFG = osp.join(REPO, 'configs/demo/resnet18-w16_1xb64-3e_fashion-mnist.py')


def write(path, text: str) -> str:
    with open(path, 'w') as f:
        f.write(text)
    return str(path)


# --------------------------------------------------------------------------- unknown top-level keys
def test_every_shipped_config_and_its_dump_pass_the_key_check(tmp_path):
    assert any(f'{osp.sep}transfer{osp.sep}mmdet{osp.sep}' in p for p in CONFIGS)
    assert any(f'{osp.sep}transfer{osp.sep}mmseg{osp.sep}' in p for p in CONFIGS)
    dumped_folders = set()
    for path in CONFIGS:
        cfg = Config.fromfile(path)
        check_top_level_keys(cfg)
        check_class_folders(cfg)
        folder = osp.dirname(path)
        if folder not in dumped_folders:  # one per folder: tools/test.py also reads the copy a run dumps
            dumped_folders.add(folder)
            dumped = str(tmp_path / f'{len(dumped_folders)}_{osp.basename(path)}')
            cfg.dump(dumped)
            check_top_level_keys(Config.fromfile(dumped))


def test_known_keys_follow_the_runner_signature():
    import inspect

    from mmengine.runner import Runner

    params = set(inspect.signature(Runner.__init__).parameters) - {'self'}
    assert params <= known_keys() and {'train_cfg', 'default_hooks', 'custom_hooks', 'randomness'} <= params


def test_typo_in_a_config_file_is_an_error_with_did_you_mean(tmp_path):
    path = write(tmp_path / 'typo.py', f'_base_ = [{BASE_CFG!r}]\ntrian_cfg = dict(max_epochs=1)\nmax_epoch = 2\n')
    with pytest.raises(UnknownConfigKeyError) as e:
        load_config(path)
    msg = str(e.value)
    assert path in msg
    assert "'trian_cfg' (set in the config file); did you mean 'train_cfg'?" in msg
    assert "'max_epoch' (set in the config file); did you mean 'max_epochs'?" in msg
    assert "custom_keys = ['trian_cfg', 'max_epoch']" in msg and 'start its name with "_"' in msg


def test_typo_in_cfg_options_is_an_error_with_did_you_mean():
    with pytest.raises(UnknownConfigKeyError) as e:
        load_config(BASE_CFG, {'trian_cfg.max_epochs': 1})
    msg = str(e.value)
    assert BASE_CFG in msg and "'trian_cfg' (given in --cfg-options); did you mean 'train_cfg'?" in msg
    assert load_config(BASE_CFG, {'train_dataloader.batch_size': 4}).train_dataloader.batch_size == 4


def test_misspelt_runner_key_in_a_base_file_is_an_error(tmp_path):
    write(
        tmp_path / 'my_base.py',
        f'_base_ = [{BASE_CFG!r}]\n'
        "defualt_hooks = dict(logger=dict(interval=1))\nmy_teacher = dict(type='ResNet', depth=18)\n",
    )
    path = write(tmp_path / 'leaf.py', "_base_ = ['./my_base.py']\n")
    with pytest.raises(UnknownConfigKeyError) as e:
        load_config(path)
    msg = str(e.value)
    assert "'defualt_hooks' (set in a _base_ file); did you mean 'default_hooks'?" in msg
    assert 'my_teacher' not in msg  # a helper variable bound by a base file is fine


def test_custom_keys_and_underscore_opt_out(tmp_path):
    body = f'_base_ = [{BASE_CFG!r}]\nmy_scale = 0.5\n_my_offset = 3\n'
    with pytest.raises(UnknownConfigKeyError, match="'my_scale' \\(set in the config file\\)"):
        load_config(write(tmp_path / 'a.py', body))
    cfg = load_config(write(tmp_path / 'b.py', body + "custom_keys = ['my_scale']\n"))
    assert cfg.my_scale == 0.5 and cfg._my_offset == 3
    assert load_config(BASE_CFG, {'custom_keys': ['extra'], 'extra': 1}).extra == 1
    with pytest.raises(UnknownConfigKeyError, match="custom_keys must be a list of key names"):
        load_config(write(tmp_path / 'c.py', body + "custom_keys = 'my_scale'\n"))


# --------------------------------------------------------------------------- image-folder datasets
def make_folders(root, tree: dict, bad: tuple = ()) -> str:
    """``tree`` = {split: {class: number of 8x8 PNGs}}; files named in ``bad`` get garbage bytes."""
    rng = np.random.default_rng(0)
    for split, classes in tree.items():
        for cls, n in classes.items():
            os.makedirs(osp.join(root, split, cls), exist_ok=True)
            for i in range(n):
                path = osp.join(root, split, cls, f'{i}.png')
                if osp.relpath(path, root) in bad:
                    with open(path, 'wb') as f:
                        f.write(b'\x89PNG\r\n\x1a\n truncated')
                else:
                    Image.fromarray(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)).save(path)
    return str(root)


PIPELINE = "[dict(type='LoadImageFromFile'), dict(type='PackInputs')]"


def folder_config(tmp_path, root: str) -> str:
    return write(
        tmp_path / 'folders.py',
        f'''default_scope = 'mmkd'
_pipeline = {PIPELINE}
train_dataloader = dict(batch_size=2, dataset=dict(type='FewShotDataset', ratio=1.0, dataset=dict(
    type='CustomDataset', data_root={root!r}, data_prefix='train', pipeline=_pipeline)))
val_dataloader = dict(batch_size=2, dataset=dict(type='CustomDataset', data_root={root!r}, data_prefix='val',
                                                 pipeline=_pipeline))
test_dataloader = val_dataloader
''',
    )


def test_split_class_folders_that_differ_are_an_error(tmp_path):
    root = make_folders(tmp_path / 'data', {'train': {'ant': 2, 'bee': 2, 'cat': 2}, 'val': {'ant': 1, 'cat': 1}})
    # what the check prevents: mmpretrain numbers val's 'cat' 1, train's 'cat' 2
    val = DATASETS.build(dict(type='CustomDataset', data_root=root, data_prefix='val', pipeline=[]))
    assert val.metainfo['classes'] == ('ant', 'cat') and val.get_data_info(1)['gt_label'] == 1
    with pytest.raises(ClassFolderMismatchError) as e:
        load_config(folder_config(tmp_path, root))
    msg = str(e.value)
    assert osp.join(root, 'train') in msg and osp.join(root, 'val') in msg
    assert f"{osp.join(root, 'val')} lacks ['bee']" in msg and 'create the missing class folders' in msg
    os.makedirs(osp.join(root, 'val', 'bee'))  # the fix: an empty folder keeps the numbering
    assert load_config(folder_config(tmp_path, root)).val_dataloader.dataset.data_prefix == 'val'


def test_class_folder_empty_in_every_split_is_an_error(tmp_path):
    root = make_folders(tmp_path / 'data', {'train': {'ant': 2, 'bee': 0}, 'val': {'ant': 1, 'bee': 0}})
    with pytest.raises(EmptyClassFolderError) as e:
        load_config(folder_config(tmp_path, root))
    assert "class folder(s) ['bee'] hold no image" in str(e.value) and 'delete these folders' in str(e.value)
    make_folders(root, {'val': {'bee': 1}})  # images of 'bee' in one split are enough
    load_config(folder_config(tmp_path, root))


def test_num_samples_zero_is_an_error(tmp_path):
    write_idx(str(tmp_path / 'train-images-idx3-ubyte.gz'), np.zeros((4, 28, 28), np.uint8))
    write_idx(str(tmp_path / 'train-labels-idx1-ubyte.gz'), np.zeros(4, np.uint8))
    with pytest.raises(ValueError, match=r'FashionMNISTIDX: num_samples=0 keeps no image; set it to a positive'):
        FashionMNISTIDX(data_root=str(tmp_path), num_samples=0)
    with pytest.raises(ValueError, match=r'num_samples=-2'):
        FashionMNISTIDX(data_root=str(tmp_path), num_samples=-2)
    assert len(FashionMNISTIDX(data_root=str(tmp_path), num_samples=3)) == 3


def corrupt_dataset(tmp_path, **load_args):
    root = make_folders(tmp_path / 'data', {'train': {'ant': 2, 'bee': 2}}, bad=('train/bee/0.png',))
    load = dict(type='LoadImageFromFile', **load_args)
    return root, dict(
        type='CustomDataset', data_root=root, data_prefix='train', pipeline=[load, dict(type='PackInputs')]
    )


def test_unreadable_image_error_names_the_file_and_the_options(tmp_path):
    root, dataset = corrupt_dataset(tmp_path)
    ds = DATASETS.build(dataset)
    bad = osp.join(root, 'train', 'bee', '0.png')
    assert ds.get_data_info(2)['img_path'] == bad
    with pytest.raises(UnreadableImageError) as e:
        ds[2]
    msg = str(e.value)
    assert f'cannot read image {bad}' in msg
    assert 'skip_unreadable=True' in msg and "dict(type='SkipUnreadableImages', dataset=...)" in msg
    assert int(ds[3]['data_samples'].gt_label) == 1  # readable images still load


def test_skip_unreadable_draws_another_image_and_logs(tmp_path):
    from mmengine.logging import MMLogger

    log = str(tmp_path / 'skip.log')
    MMLogger.get_instance('test_skip_unreadable', log_file=log)
    root, dataset = corrupt_dataset(tmp_path, skip_unreadable=True)
    ds = DATASETS.build(dataset)
    bad = osp.join(root, 'train', 'bee', '0.png')
    item = ds[2]
    assert item['data_samples'].img_path != bad
    assert ds.pipeline.transforms[0].num_skipped >= 1
    assert f'skip_unreadable: skipped {bad}' in open(log).read()


def test_skip_unreadable_images_pre_scan_drops_and_logs(tmp_path):
    from mmengine.logging import MMLogger

    log = str(tmp_path / 'scan.log')
    MMLogger.get_instance('test_pre_scan', log_file=log)
    root, dataset = corrupt_dataset(tmp_path)
    dataset['test_mode'] = True  # also for val / test sets
    ds = DATASETS.build(dict(type='SkipUnreadableImages', dataset=dataset))
    bad = osp.join(root, 'train', 'bee', '0.png')
    paths = [ds.get_data_info(i)['img_path'] for i in range(len(ds))]
    assert len(ds) == 3 and bad not in paths
    assert [int(ds[i]['data_samples'].gt_label) for i in range(3)] == [0, 0, 1]
    assert f'dropped 1 of 4 images that cannot be read: {bad}' in open(log).read()


def test_features_embed_through_the_skip_unreadable_wrapper(tmp_path):
    """k-means and the linear probe embed a wrapped set: the filter stays, the test pipeline goes inside it."""
    from mmengine.config import Config

    from mmkd.apis.features import build_eval_dataset

    root, dataset = corrupt_dataset(tmp_path)
    test_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
    train = dict(
        dataset, pipeline=[dict(type='LoadImageFromFile'), dict(type='RandomFlip', prob=1.0), dict(type='PackInputs')]
    )
    cfg = Config(
        dict(
            train_dataloader=dict(dataset=dict(type='SkipUnreadableImages', dataset=train)),
            test_dataloader=dict(
                dataset=dict(type='SkipUnreadableImages', dataset=dict(dataset, pipeline=test_pipeline))
            ),
        )
    )
    ds = build_eval_dataset(cfg, 'train')
    bad = osp.join(root, 'train', 'bee', '0.png')
    assert len(ds) == 3 and bad not in [ds.get_data_info(i)['img_path'] for i in range(3)]
    assert [type(t).__name__ for t in ds.pipeline.transforms] == ['LoadImageFromFile', 'PackInputs']


def test_skip_unreadable_images_refuses_a_set_with_no_readable_image(tmp_path):
    root = make_folders(tmp_path / 'data', {'train': {'ant': 1}}, bad=('train/ant/0.png',))
    with pytest.raises(ValueError, match=r'none of the 1 images .* can be read .*check data_root'):
        DATASETS.build(
            dict(
                type='SkipUnreadableImages',
                dataset=dict(type='CustomDataset', data_root=root, data_prefix='train', pipeline=[]),
            )
        )


# --------------------------------------------------------------------------- k-means
def test_kmeans_more_clusters_than_samples_is_an_error():
    feats = np.random.default_rng(0).normal(size=(5, 4))
    with pytest.raises(
        ValueError,
        match=r'--num-clusters 6 must be between 1 and the 5 samples.*'
        r'lower num_clusters to at most 5',
    ):
        run_kmeans(feats, 6)


def test_kmeans_empty_clusters_warn_with_their_count():
    feats = np.repeat(np.eye(3), 2, axis=0)  # 6 samples, 3 distinct points: K = 6 leaves >= 3 empty
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        _, clusters = run_kmeans(feats, 6, seed=0, n_init=1)
    empty = 6 - len(np.unique(clusters))
    assert empty >= 3
    ours = [str(w.message) for w in caught if 'clusters are empty' in str(w.message)]
    assert ours == [
        f'{empty} of the num_clusters=6 clusters are empty (6 samples): those pseudo-classes have no '
        'training image; lower --num-clusters (a few samples per cluster at least) or cluster a '
        'larger split'
    ]
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert warn_empty_clusters(np.array([0, 1, 2, 1]), 3) == 0
    with pytest.warns(UserWarning, match='2 of the num_clusters=4 clusters are empty'):
        assert warn_empty_clusters(np.array([0, 0, 1]), 4) == 2
