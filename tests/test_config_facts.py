"""One knob per fact (mmkd/apis/config.py): a child that changes a top-level fact changes every value
derived from it, in the BUILT model, datasets and schedulers; inconsistent values are errors."""

import glob
import math
import os
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn as nn
from conftest import REPO, make_fashion_like
from mmengine.config import Config

from mmkd.apis.config import ConfigFactError, ConfigFactWarning, finalize_config
from mmkd.apis.runner import load_config, model_config
from mmkd.registry import DATASETS, MODELS
from mmkd.testing import fake_data, write_random_checkpoints

SCHEDULES = osp.join(REPO, 'configs', '_base_', 'schedules')


def _cfg(rel, **options):
    return load_config(osp.join(REPO, rel), options or None)


# one config per model type (every distiller, both HSSAKD teacher stages, SSKD's teacher stage, SSSD)
ONE_PER_MODEL_TYPE = [
    'configs/baseline/resnet8x4_1xb64-240e_cifar100.py',  # ImageClassifier
    'configs/kd/kd_resnet32x4_resnet8x4_1xb64-240e_cifar100.py',  # KDDistiller
    'configs/dml/dml_resnet56_resnet20_1xb64-240e_cifar100.py',  # DMLDistiller
    'configs/hssakd/hssakd-teacher_resnet56_1xb64-100e_cifar100.py',  # SSADNet (frozen classifier)
    'configs/hssakd/hssakd-teacher-joint_resnet56_1xb64-240e_cifar100.py',  # SSADNet (joint)
    'configs/hssakd/hssakd_resnet56_resnet20_1xb64-240e_cifar100.py',  # HSSAKDDistiller
    'configs/hssakd/hssakd-online_wrn40-2x2_1xb64-240e_cifar100.py',  # OnlineHSSAKD
    'configs/sskd/sskd-teacher_resnet56_1xb64-60e_cifar100.py',  # SSKDTeacher
    'configs/sskd/sskd_resnet56_resnet20_1xb64-240e_cifar100.py',  # SSKDDistiller
    'configs/mixskd/mixskd_wrn16-2_1xb128-205e_cifar100.py',  # MixSKDDistiller
    'configs/css/css_resnet56_resnet56_1xb128-300e_cifar100.py',  # CSSDistiller
    'configs/sssd/sssd_resnet18_1xb128-200e_cifar10.py',  # SSSDDistiller (num_clusters)
]


def _classes_in(model: nn.Module):
    """``{module name: num_classes}`` of every module that stores a class count, and the fc widths."""
    counts = {
        name: m.num_classes
        for name, m in model.named_modules()
        if isinstance(getattr(m, 'num_classes', None), int) and not isinstance(m, nn.Linear)
    }
    widths = {name: m.out_features for name, m in model.named_modules() if isinstance(m, nn.Linear)}
    return counts, widths


@pytest.mark.parametrize('path', ONE_PER_MODEL_TYPE)
def test_num_classes_override_reaches_every_head_of_the_built_model(path, tmp_path):
    base = Config.fromfile(osp.join(REPO, path))
    fact = 'num_clusters' if base.get('num_clusters') is not None else 'num_classes'
    old = base[fact]
    cfg = _cfg(path, **{fact: 7})
    model_cfg = model_config(cfg)
    write_random_checkpoints(model_cfg, tmp_path)
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    counts, widths = _classes_in(model)
    assert counts, f'{path}: no module of the built model stores num_classes'
    assert set(counts.values()) == {7}, f'{path}: {fact}=7 did not reach {counts}'
    if hasattr(model, 'teacher') and model.teacher is not None:
        assert any(k.startswith('teacher') for k in counts), f'{path}: the teacher has no head: {counts}'
    stale = {k: w for k, w in widths.items() if w in {old * m for m in (1, 2, 3, 4)}}
    assert not stale, f'{path}: layers still sized for the old {old} classes: {stale}'
    model.eval()
    batch = model.data_preprocessor(fake_data(cfg, model, 32 if cfg.get('input_size', 32) <= 64 else 64), False)
    with torch.no_grad():
        logits = model(batch['inputs'], mode='tensor')
    logits = logits[-1] if isinstance(logits, (list, tuple)) else logits
    assert logits.shape[-1] == 7, f'{path}: student logits {tuple(logits.shape)}'


def test_data_preprocessor_follows_num_classes():
    cfg = _cfg('configs/baseline/resnet8x4_1xb64-240e_cifar100.py', num_classes=7)
    assert cfg.data_preprocessor.num_classes == 7
    assert MODELS.build(model_config(cfg)).data_preprocessor.num_classes == 7


def test_an_override_of_a_derived_key_is_refused_naming_the_fact():
    path = 'configs/kd/kd_resnet32x4_resnet8x4_1xb64-240e_cifar100.py'
    with pytest.raises(ConfigFactError) as err:
        _cfg(path, **{'model.student.head.num_classes': 4})
    msg = str(err.value)
    assert path in msg and 'model.student.head.num_classes=4' in msg
    assert 'set `num_classes` instead (--cfg-options num_classes=4)' in msg
    cfg = _cfg(path, **{'model.student.head.num_classes': 4, 'num_classes': 4})  # consistent: accepted
    assert cfg.model.teacher.head.num_classes == 4


def test_networks_with_different_home_classes_all_follow_the_fact():
    cfg = finalize_config(
        Config(
            dict(
                num_classes=5,
                model=dict(
                    type='KDDistiller',
                    student=dict(head=dict(num_classes=10)),
                    teacher=dict(head=dict(num_classes=1000)),
                ),
            )
        )
    )
    assert cfg.model.student.head.num_classes == cfg.model.teacher.head.num_classes == 5


def test_finalize_is_idempotent_and_leaves_its_input_alone():
    for path in ONE_PER_MODEL_TYPE[::3] + ['configs/sssd/sssd_resnet18_1xb128-4e_fashion-mnist.py']:
        cfg = Config.fromfile(osp.join(REPO, path))
        before = cfg.to_dict()
        once = finalize_config(cfg)
        assert cfg.to_dict() == before, path
        assert finalize_config(once).to_dict() == once.to_dict(), path


# ----------------------------------------------------------------------------- SSSD
SSSD = 'configs/sssd/sssd_resnet18_1xb128-200e_cifar10.py'


def test_sssd_num_clusters_changes_every_derived_value():
    cfg = _cfg(SSSD, num_clusters=64)
    assert cfg.model.student.head.num_classes == 64
    assert cfg.data_preprocessor.num_classes == 64
    ann = 'work_dirs/sssd-moco_resnet18_1xb256-200e_cifar10/pseudo_labels_k64.json'
    assert cfg.train_dataloader.dataset.ann_file == ann
    assert cfg.train_dataloader.dataset.num_clusters == 64
    assert cfg.val_evaluator.cluster_to_class == ann and cfg.test_evaluator.cluster_to_class == ann
    model = MODELS.build(model_config(cfg))
    assert model.student.head.fc.out_features == 64
    assert {e.fc.out_features for e in model.exits} == {64}
    assert cfg.num_classes == 10  # the true classes, scored by the evaluator


def test_sssd_ann_file_changes_every_derived_value():
    cfg = _cfg(SSSD, ann_file='/data/my_clusters.json')
    assert cfg.train_dataloader.dataset.ann_file == '/data/my_clusters.json'
    assert cfg.val_evaluator.cluster_to_class == '/data/my_clusters.json'
    assert cfg.train_dataloader.dataset.num_clusters == 1000


def test_sssd_pseudo_label_dataset_built_from_the_finalised_config(tmp_path):
    from mmkd.datasets import write_pseudo_labels

    root = make_fashion_like(str(tmp_path / 'fm'), num_train=64, num_test=32)
    ann = str(tmp_path / 'k5.json')
    write_pseudo_labels(ann, np.arange(64) % 5, 5)
    options = {'data_root': root, 'ann_file': ann, 'train_dataloader.dataset.dataset.num_samples': 64}
    cfg = _cfg('configs/sssd/sssd_resnet18_1xb128-4e_fashion-mnist.py', num_clusters=5, **options)
    assert cfg.train_dataloader.dataset.dataset.data_root == root  # data_root reaches the wrapped set
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    assert len(dataset) == 64 and dataset.num_clusters == 5
    cfg = _cfg('configs/sssd/sssd_resnet18_1xb128-4e_fashion-mnist.py', num_clusters=6, **options)
    with pytest.raises(ValueError, match=r'holds K=5 clusters but the config sets num_clusters=6'):
        DATASETS.build(cfg.train_dataloader.dataset)


# ----------------------------------------------------------------------------- data_root / input_size
def test_data_root_reaches_every_dataset():
    cfg = _cfg('configs/baseline/resnet8x4_1xb64-240e_cifar100.py', data_root='/data/c100')
    assert [cfg[k].dataset.data_root for k in ('train_dataloader', 'val_dataloader', 'test_dataloader')] == [
        '/data/c100'
    ] * 3


def test_a_dataset_with_its_own_root_keeps_it_the_others_follow_the_fact():
    cfg = _cfg(
        'configs/baseline/resnet8x4_1xb64-240e_cifar100.py',
        **{'val_dataloader.dataset.data_root': '/v', 'data_root': '/t'},
    )
    assert cfg.val_dataloader.dataset.data_root == '/v'
    assert cfg.train_dataloader.dataset.data_root == '/t'


def test_a_child_file_that_sets_the_dataset_roots_keeps_them(tmp_path):
    """The usual OpenMMLab idiom: a child sets ``train_dataloader.dataset.data_root``, not ``data_root``."""
    child = tmp_path / 'child.py'
    child.write_text(
        f"_base_ = [{osp.join(REPO, 'configs/baseline/resnet8x4_1xb64-240e_cifar100.py')!r}]\n"
        "train_dataloader = dict(dataset=dict(data_root='/mine'))\n"
        "val_dataloader = dict(dataset=dict(data_root='/mine'))\n"
    )
    cfg = finalize_config(Config.fromfile(str(child)))
    assert cfg.train_dataloader.dataset.data_root == '/mine' and cfg.val_dataloader.dataset.data_root == '/mine'
    assert cfg.test_dataloader.dataset.data_root == 'data/cifar100'  # not set by the child: the base's fact


def test_a_placeholder_root_without_the_fact_is_an_error():
    cfg = Config.fromfile(osp.join(REPO, 'configs/baseline/resnet8x4_1xb64-240e_cifar100.py'))
    cfg.data_root = None
    with pytest.raises(ConfigFactError, match=r'train_dataloader\.dataset\.data_root.* is None .*set data_root'):
        finalize_config(cfg)


def test_input_size_reaches_every_pipeline_size():
    cfg = finalize_config(
        Config(
            dict(
                input_size=48,
                train_dataloader=dict(
                    dataset=dict(
                        pipeline=[dict(type='Resize', scale=(32, 32)), dict(type='RandomCrop', crop_size=32, padding=4)]
                    )
                ),
                val_dataloader=dict(dataset=dict(pipeline=[dict(type='Resize', scale=(32, 32))])),
            )
        )
    )
    assert cfg.train_dataloader.dataset.pipeline[0].scale == (48, 48)
    assert cfg.train_dataloader.dataset.pipeline[1].crop_size == 48
    assert cfg.val_dataloader.dataset.pipeline[0].scale == (48, 48)


# ----------------------------------------------------------------------------- schedules
def _schedule(name, **train_cfg):
    cfg = Config.fromfile(osp.join(SCHEDULES, name))
    cfg.merge_from_dict({f'train_cfg.{k}': v for k, v in train_cfg.items()})
    return finalize_config(cfg)


def _lrs(cfg, epochs):
    """The lr of each epoch 0..epochs-1 under ``cfg.param_scheduler`` (an epoch is one step)."""
    from mmengine.optim.scheduler import _ParamScheduler  # noqa: F401  (registers the schedulers)
    from mmengine.registry import PARAM_SCHEDULERS

    opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=cfg.optim_wrapper.optimizer.lr)
    specs = cfg.param_scheduler if isinstance(cfg.param_scheduler, list) else [cfg.param_scheduler]
    schedulers = []
    for spec in specs:
        spec = dict(spec)
        spec.pop('convert_to_iter_based', None)
        schedulers.append(PARAM_SCHEDULERS.build(dict(spec, optimizer=opt)))
    lrs = [opt.param_groups[0]['lr']]
    for _ in range(1, epochs):
        opt.step()
        for s in schedulers:
            s.step()
        lrs.append(opt.param_groups[0]['lr'])
    return lrs


DEFAULT_MILESTONES = {
    'cifar_100e.py': (100, [30, 60, 90]),
    'cifar_240e.py': (240, [150, 180, 210]),
    'imagenet_100e.py': (100, [30, 60, 90]),
    'sskd_head_60e.py': (60, [30, 45]),
    'sssd_sd_cifar_200e.py': (200, [100, 150]),
    'css_cifar_300e.py': (300, [150, 225]),
    'mixskd_cifar_205e.py': (205, [100, 150]),
}


@pytest.mark.parametrize('name', sorted(DEFAULT_MILESTONES))
def test_schedule_bases_keep_their_numbers_at_the_default_length(name):
    length, milestones = DEFAULT_MILESTONES[name]
    cfg = _schedule(name)
    assert cfg.train_cfg.max_epochs == length
    steps = [
        s
        for s in (cfg.param_scheduler if isinstance(cfg.param_scheduler, list) else [cfg.param_scheduler])
        if s.type == 'MultiStepLR'
    ]
    assert [list(s.milestones) for s in steps] == [milestones] and steps[0].end == length


def test_cosine_bases_span_the_whole_run():
    assert _schedule('sssd_moco_200e.py').param_scheduler.end == 200
    assert _schedule('sssd_moco_800e.py').param_scheduler.end == 800
    cosine = _schedule('mixskd_imagenet_300e.py').param_scheduler[1]
    assert (cosine.begin, cosine.end) == (5, 300)  # T_max defaults to end - begin = 295


@pytest.mark.parametrize('length', [240, 120, 37])
def test_max_epochs_alone_rederives_the_step_schedule(length):
    cfg = _schedule('cifar_240e.py', max_epochs=length)
    milestones = [math.floor(r * length + 1e-9) for r in (0.625, 0.75, 0.875)]
    lrs = _lrs(cfg, length)
    expected = [0.05 * 0.1 ** sum(m <= e for m in milestones) for e in range(length)]
    assert np.allclose(lrs, expected, rtol=1e-9), (length, milestones)
    if length == 240:
        assert milestones == [150, 180, 210]


def test_max_epochs_alone_rederives_the_warmup_then_step_schedule():
    cfg = _schedule('mixskd_cifar_205e.py', max_epochs=45)  # 5 warm-up epochs, then 40: steps at 5+20, 5+30
    lrs = _lrs(cfg, 45)
    assert lrs[24] == pytest.approx(0.1) and lrs[25] == pytest.approx(0.01)
    assert lrs[34] == pytest.approx(0.01) and lrs[35] == pytest.approx(0.001)


@pytest.mark.parametrize('length', [5, 8])
def test_max_epochs_alone_rederives_the_cosine(length):
    lrs = _lrs(_schedule('fashion_mnist_short.py', max_epochs=length), length)
    expected = [0.05 * (1 + math.cos(math.pi * e / length)) / 2 for e in range(length)]
    assert np.allclose(lrs, expected, rtol=1e-6)


def test_explicit_milestones_over_a_ratio_base_are_kept():
    cfg = Config.fromfile(osp.join(SCHEDULES, 'cifar_100e.py'))
    cfg.merge_from_dict({'param_scheduler.milestones': [5, 8], 'train_cfg.max_epochs': 10})
    cfg = finalize_config(cfg)
    assert list(cfg.param_scheduler.milestones) == [5, 8] and 'milestone_ratios' not in cfg.param_scheduler


def test_milestone_beyond_the_run_is_an_error_naming_the_key():
    cfg = Config.fromfile(osp.join(SCHEDULES, 'cifar_240e.py'))
    cfg.merge_from_dict({'param_scheduler.milestones': [150, 180, 210], 'train_cfg.max_epochs': 100})
    with pytest.raises(
        ConfigFactError,
        match=r'param_scheduler \(MultiStepLR\)\.milestones has 150 .*'
        r'train_cfg\.max_epochs=100.*milestone_ratios',
    ):
        finalize_config(cfg)


@pytest.mark.parametrize(
    'key, value, pattern',
    [
        ('T_max', 10, r'param_scheduler \(CosineAnnealingLR\)\.T_max=10 lies beyond train_cfg\.max_epochs=5'),
        ('end', 9, r'param_scheduler \(CosineAnnealingLR\)\.end=9 lies beyond train_cfg\.max_epochs=5'),
        ('begin', 5, r'param_scheduler \(CosineAnnealingLR\)\.begin=5 is not before train_cfg\.max_epochs=5'),
    ],
)
def test_scheduler_beyond_the_run_is_an_error(key, value, pattern):
    cfg = Config.fromfile(osp.join(SCHEDULES, 'fashion_mnist_short.py'))
    cfg.merge_from_dict({f'param_scheduler.{key}': value})
    with pytest.raises(ConfigFactError, match=pattern):
        finalize_config(cfg)


def test_bad_milestone_ratios_are_an_error():
    cfg = Config.fromfile(osp.join(SCHEDULES, 'cifar_240e.py'))
    cfg.merge_from_dict({'param_scheduler.milestone_ratios': [0.9, 0.5]})
    with pytest.raises(ConfigFactError, match=r'param_scheduler \(MultiStepLR\)\.milestone_ratios must be increasing'):
        finalize_config(cfg)


def test_a_run_that_outlasts_its_scheduler_warns():
    cfg = Config.fromfile(osp.join(SCHEDULES, 'fashion_mnist_short.py'))
    cfg.merge_from_dict({'param_scheduler.end': 3})
    with pytest.warns(ConfigFactWarning, match=r'the last lr scheduler ends at 3 but train_cfg\.max_epochs=5'):
        finalize_config(cfg)


def test_intervals_beyond_an_iteration_run_are_clamped_with_a_warning():
    cfg = Config(
        dict(
            train_cfg=dict(type='IterBasedTrainLoop', max_iters=100, val_interval=4000),
            param_scheduler=[
                dict(type='LinearLR', by_epoch=False, start_factor=0.1, end=10),
                dict(type='MultiStepLR', by_epoch=False, milestone_ratios=[0.8]),
            ],
            default_hooks=dict(checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=4000)),
        )
    )
    with pytest.warns(ConfigFactWarning) as record:
        cfg = finalize_config(cfg)
    assert cfg.train_cfg.val_interval == 100 and cfg.default_hooks.checkpoint.interval == 100
    assert cfg.param_scheduler[1].end == 100 and list(cfg.param_scheduler[1].milestones) == [80]
    assert any('train_cfg.val_interval=4000 exceeds train_cfg.max_iters=100' in str(w.message) for w in record)


# ----------------------------------------------------------------------------- runner, logger, image folder
def test_log_interval_adapts_to_the_epoch_length():
    from mmengine.hooks import LoggerHook

    from mmkd.engine.hooks import AdaptiveLogIntervalHook

    class Runner:
        def __init__(self, iters):
            self.hooks, self.train_dataloader, self.lines = [LoggerHook(interval=50)], range(iters), []
            self.logger = type('L', (), {'info': lambda _, msg: self.lines.append(msg)})()

    for iters, interval in ((4, 1), (60, 12), (1000, 50)):
        runner = Runner(iters)
        AdaptiveLogIntervalHook().before_train(runner)
        assert runner.hooks[0].interval == interval
        assert runner.lines == [f'logger interval {interval} ({iters} iterations per epoch, configured 50)']


def _image_folder(root, splits=(('train', 4), ('val', 2)), classes=('ant', 'bee', 'cat')):
    from PIL import Image

    rng = np.random.default_rng(0)
    for split, n in splits:
        for c, name in enumerate(classes):
            os.makedirs(osp.join(root, split, name), exist_ok=True)
            for i in range(n):
                img = rng.integers(0, 40, size=(20, 24, 3), dtype=np.uint8)
                img[:, :, c] = 220
                Image.fromarray(img).save(osp.join(root, split, name, f'{i}.png'))
    return root


def _folder_config(tmp_path, num_classes=3):
    base = osp.join(REPO, 'configs', '_base_')
    path = tmp_path / 'my_folder_run.py'
    path.write_text(f'''_base_ = [{base + "/datasets/image_folder.py"!r},
          {base + "/schedules/fashion_mnist_short.py"!r},
          {base + "/default_runtime.py"!r}]
model = dict(type='ImageClassifier', backbone=dict(type='CIFARResNet', arch='resnet8'),
             neck=dict(type='GlobalAveragePooling'),
             head=dict(type='LinearClsHead', num_classes=10, in_channels=64, loss=dict(type='CrossEntropyLoss')))
data_root = {str(tmp_path / 'data')!r}
num_classes = {num_classes}
input_size = 16
train_cfg = dict(max_epochs=1)
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False)
val_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False)
test_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False)
work_dir = {str(tmp_path / 'work')!r}
''')
    return str(path)


def test_image_folder_base_composes_builds_and_trains_one_epoch(tmp_path):
    from mmengine.registry import RUNNERS

    from mmkd.engine.runner import MMKDRunner

    _image_folder(str(tmp_path / 'data'))
    raw = Config.fromfile(_folder_config(tmp_path))  # not finalised: MMKDRunner.from_cfg must do it
    assert raw.model.head.num_classes == 10
    # the root registry, unlike RUNNERS.build, ignores the default scope: tools/train.py looks the runner up
    # before any scope exists, so runner_type must resolve from there
    assert RUNNERS.get(raw.runner_type) is MMKDRunner
    runner = RUNNERS.build(raw)  # as tools/train.py and mmpretrain's train.py build a runner_type
    assert isinstance(runner, MMKDRunner)
    assert runner.cfg.model.head.num_classes == 3 and runner.cfg.param_scheduler.end == 1
    assert runner.cfg.train_dataloader.dataset.pipeline[1].scale == (16, 16)
    runner.train()
    assert runner.model.head.fc.out_features == 3 and runner.model.data_preprocessor.num_classes == 3
    assert len(runner.train_dataloader) == 6 and runner.iter == 6
    logger_hook = next(h for h in runner.hooks if type(h).__name__ == 'LoggerHook')
    assert logger_hook.interval == 1  # 6 iterations per epoch: configured 50 -> 1
    log = open(glob.glob(str(tmp_path / 'work' / '*' / '*.log'))[0]).read()
    assert 'logger interval 1 (6 iterations per epoch, configured 50)' in log
    test_set = DATASETS.build(runner.cfg.test_dataloader.dataset)  # no test/ folder: val/ is read
    assert len(test_set) == 6 and test_set.img_prefix.endswith('val')


def test_image_folder_num_classes_must_match_the_folders(tmp_path):
    _image_folder(str(tmp_path / 'data'))
    cfg = load_config(_folder_config(tmp_path, num_classes=4))
    with pytest.raises(ValueError, match=r'holds 3 class folders .* but num_classes is 4: set num_classes = 3'):
        DATASETS.build(cfg.train_dataloader.dataset)


def test_one_scheduler_list_per_optimizer_wrapper_follows_max_epochs(tmp_path):
    """param_scheduler=dict(network=[...], discriminators=[...]) (mmengine's form for an OptimWrapperDict):
    each list is finalised on its own, with the same rules as a single list."""
    base = osp.join(REPO, 'configs/mixskd/mixskd-alternating_resnet18_1xb128-205e_cifar100.py')
    (tmp_path / 'two_lists.py').write_text(
        f'_base_ = [{base!r}]\n'
        'train_cfg = dict(max_epochs=40)\n'
        '_steps = dict(type="MultiStepLR", by_epoch=True, milestone_ratios=[0.5, 0.75], gamma=0.1)\n'
        'param_scheduler = dict(\n'
        '    _delete_=True,\n'
        '    network=[dict(type="LinearLR", by_epoch=True, start_factor=0.1, begin=0, end=2), dict(_steps, begin=2)],\n'
        '    discriminators=_steps,\n'
        ')\n'
    )
    cfg = load_config(str(tmp_path / 'two_lists.py'))
    network, discriminators = cfg.param_scheduler.network, cfg.param_scheduler.discriminators
    assert (network[0].end, network[1].begin, network[1].end, list(network[1].milestones)) == (2, 2, 40, [19, 28])
    assert (discriminators.end, list(discriminators.milestones)) == (40, [20, 30])
