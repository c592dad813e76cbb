"""Downstream transfer, end to end on generated data in the real VOC / COCO / ADE20K layouts.

distill (a short KD run through tools/train.py) -> export (tools/export_student.py) -> fine-tune
Faster R-CNN R-18 (VOC), Cascade R-CNN R-50 (COCO) and DeepLabV3 R-18 (VOC aug) with tools/train.py
-> evaluate with tools/test.py (mmdet's VOCMetric / CocoMetric, mmseg's IoUMetric). The backbone at
iteration 0 is snapshot by a test-local hook and compared with the exported tensors, and the load check
(mmkd/transfer/checks.py) is exercised on every kind of checkpoint that does not fit.
"""

import json
import logging
import math
import os
import os.path as osp
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import torch
from conftest import REPO, run_tool, write_tiny_config
from mmengine.config import Config
from PIL import Image

BASELINE = 'configs/baseline/resnet18_1xb64-5e_fashion-mnist.py'
FASTER_R18_VOC = 'configs/transfer/mmdet/faster-rcnn_r18_fpn_8xb2-4e_voc0712.py'
FASTER_R50_VOC = 'configs/transfer/mmdet/faster-rcnn_r50_fpn_8xb2-4e_voc0712.py'
CASCADE_R50_COCO = 'configs/transfer/mmdet/cascade-rcnn_r50_fpn_8xb1-1x_coco.py'
DEEPLAB_R18_VOC = 'configs/transfer/mmseg/deeplabv3_r18-d8_8xb2-40k_voc12aug-512x512.py'
DEEPLAB_R18_ADE = 'configs/transfer/mmseg/deeplabv3_r18-d8_8xb2-40k_ade20k-512x512.py'
IMG_SIZE = (160, 128)  # (W, H) of the generated images
CROP = (96, 96)  # segmentation crop
# Detector settings that only make the CPU run faster: fewer proposals / RoIs / output boxes.
FEWER_BOXES = {
    'model.train_cfg.rpn_proposal.nms_pre': 200,
    'model.train_cfg.rpn_proposal.max_per_img': 100,
    'model.test_cfg.rpn.nms_pre': 200,
    'model.test_cfg.rpn.max_per_img': 100,
    'model.test_cfg.rcnn.max_per_img': 20,
    # an untrained detector scores below mmdet's 0.05 threshold; keep its boxes so the metric sees them
    'model.test_cfg.rcnn.score_thr': 0.0,
}

SNAPSHOT_HOOK = '''
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


@HOOKS.register_module()  # mmengine's root registry: mmdet and mmseg scopes fall back to it
class BackboneSnapshotHook(Hook):
    """Save the backbone's state dict right before the first training step."""

    def __init__(self, out):
        self.out = out

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter == 0:
            model = runner.model.module if is_model_wrapper(runner.model) else runner.model
            torch.save({k: v.detach().cpu().clone() for k, v in model.backbone.state_dict().items()}, self.out)
'''


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope='module')
def data_dir(tmp_path_factory):
    """Two images per split of VOC07+12, COCO 2017 and ADE20K, written by tools/make_tiny_datasets.py."""
    out = str(tmp_path_factory.mktemp('data'))
    run_tool('make_tiny_datasets.py', '--out', out, '--kind', 'all', '--num', 2, '--size', *IMG_SIZE)
    return out


@pytest.fixture(scope='module')
def distilled(tmp_path_factory, fashion_root):
    """A short KD run (ResNet-18 teacher -> ResNet-18 student) through tools/train.py, then
    tools/export_student.py. Returns (un-exported distiller checkpoint, exported student checkpoint)."""
    from mmkd.models.distillers import build_classifier

    tmp = tmp_path_factory.mktemp('kd')
    r18 = dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet', depth=18, out_indices=(3,)),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=10, in_channels=512, loss=dict(type='CrossEntropyLoss')),
    )
    teacher_ckpt = str(tmp / 'teacher.pth')  # how good the teacher is does not matter for transfer
    torch.manual_seed(0)
    torch.save({'state_dict': build_classifier(r18).state_dict()}, teacher_ckpt)
    extra = (
        f"model = dict(_delete_=True, type='KDDistiller', student={r18!r}, teacher={r18!r}, "
        f"teacher_ckpt={teacher_ckpt!r}, tau=4.0)\n"
    )
    run_tool('train.py', write_tiny_config(tmp, BASELINE, fashion_root, extra=extra, num_train=32, num_test=16))
    kd_ckpt = str(tmp / 'work' / 'epoch_1.pth')
    student = str(tmp / 'resnet18_student.pth')
    run_tool('export_student.py', kd_ckpt, student)
    return kd_ckpt, student


@pytest.fixture(scope='module')
def resnet50_student(tmp_path_factory):
    """A freshly built mmpretrain ResNet-50 classifier saved as an mmengine checkpoint, then exported."""
    from mmengine.runner import save_checkpoint

    from mmkd.apis import export_student
    from mmkd.registry import MODELS

    tmp = str(tmp_path_factory.mktemp('r50'))
    torch.manual_seed(1)
    clf = MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=dict(type='ResNet', depth=50),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=10, in_channels=2048),
        )
    )
    save_checkpoint({'state_dict': clf.state_dict(), 'meta': dict(epoch=1, iter=1)}, osp.join(tmp, 'epoch_1.pth'))
    out = osp.join(tmp, 'resnet50_student.pth')
    export_student(osp.join(tmp, 'epoch_1.pth'), out)
    return out


@pytest.fixture
def snapshot_hook(tmp_path, monkeypatch):
    """Make the test-local BackboneSnapshotHook importable by the tools/ subprocesses."""
    hook_dir = tmp_path / 'hooks'
    hook_dir.mkdir()
    (hook_dir / 'backbone_snapshot.py').write_text(SNAPSHOT_HOOK)
    monkeypatch.setenv('PYTHONPATH', str(hook_dir), prepend=os.pathsep)
    return str(tmp_path / 'backbone_iter0.pth')


# ----------------------------------------------------------------------------- helpers
def _shrink(node, data_dir: str):
    """Point every ``data/...`` path at ``data_dir`` and every image scale at the tiny images."""
    if isinstance(node, dict):
        node = {k: _shrink(v, data_dir) for k, v in node.items()}
        kind = node.get('type')
        if kind == 'Resize' and 'scale' in node:
            node['scale'] = IMG_SIZE
        elif kind == 'RandomResize':
            node['scale'] = (4 * CROP[0], CROP[1])
        elif kind == 'RandomCrop':
            node['crop_size'] = CROP
        elif kind == 'Pad' and 'size' in node:
            node['size'] = CROP
        elif kind == 'SegDataPreProcessor' and node.get('size'):
            node['size'] = CROP
        if 'num_workers' in node:
            node.update(num_workers=0, persistent_workers=False)
        return node
    if isinstance(node, (list, tuple)):
        return type(node)(_shrink(v, data_dir) for v in node)
    if isinstance(node, str) and node.startswith('data/'):
        return osp.join(data_dir, node[len('data/') :])
    return node


def tiny_transfer_config(
    tmp_path, config: str, data_dir: str, checkpoint: str, snapshot: str = None, options: dict = None
) -> str:
    """The real transfer config with tiny images, paths into ``data_dir`` and ``options`` (dotted keys,
    as ``--cfg-options``) for a 1-2 iteration schedule."""
    cfg = Config.fromfile(osp.join(REPO, config))
    cfg_dict = _shrink(cfg.to_dict(), data_dir)
    cfg = Config(cfg_dict)
    cfg.model.backbone.init_cfg.checkpoint = checkpoint
    if snapshot:
        cfg.custom_imports = dict(imports=['mmkd.transfer', 'backbone_snapshot'], allow_failed_imports=False)
        cfg.custom_hooks = [dict(type='BackboneLoadCheckHook'), dict(type='BackboneSnapshotHook', out=snapshot)]
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.save_optimizer = False
    cfg.work_dir = str(tmp_path / 'work')
    cfg.randomness = dict(seed=0)
    cfg.merge_from_dict(options or {})
    path = str(tmp_path / ('tiny_' + osp.basename(config)))
    cfg.dump(path)
    return path


def train_and_test(tmp_path, cfg_path: str, ckpt_name: str, metrics_out: str) -> dict:
    """tools/train.py, then tools/test.py on the final checkpoint; returns the dumped metrics."""
    proc = run_tool('train.py', cfg_path, '--no-validate')  # tools/test.py evaluates below
    log = proc.stdout + proc.stderr
    assert 'BackboneLoadCheckHook:' in log and '0 missing, 0 unexpected' in log, log[-3000:]
    ckpt = str(tmp_path / 'work' / ckpt_name)
    assert osp.isfile(ckpt), log[-3000:]
    # The backbone checkpoint is not needed to test a trained model: a missing one must not matter.
    run_tool(
        'test.py',
        cfg_path,
        ckpt,
        '--out',
        metrics_out,
        '--work-dir',
        str(tmp_path / 'test'),
        '--cfg-options',
        'model.backbone.init_cfg.checkpoint=/nonexistent/student.pth',
    )
    with open(metrics_out) as f:
        return json.load(f)


def backbone_tensors(path: str) -> dict:
    sd = torch.load(path, map_location='cpu', weights_only=True)
    sd = sd.get('state_dict', sd)
    return {k[len('backbone.') :]: v for k, v in sd.items() if k.startswith('backbone.')}


def assert_equal_tensors(got: dict, want: dict):
    assert sorted(got) == sorted(want)
    differ = [k for k in want if not torch.equal(got[k], want[k])]
    assert not differ, f'{len(differ)} backbone tensors differ from the exported ones, e.g. {differ[:5]}'


def build_backbone(config: str):
    from mmengine.registry import MODELS, DefaultScope

    cfg = Config.fromfile(osp.join(REPO, config))
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        return MODELS.build(cfg.model).backbone


# ----------------------------------------------------------------------------- data
def test_tiny_datasets_follow_the_real_layouts(data_dir):
    from mmdet.datasets import CocoDataset, VOCDataset
    from mmseg.datasets import ADE20KDataset, PascalVOCDataset

    voc = osp.join(data_dir, 'VOCdevkit')
    for year, split, n in (('VOC2007', 'trainval', 2), ('VOC2007', 'test', 2), ('VOC2012', 'trainval', 6)):
        ds = VOCDataset(
            data_root=voc,
            ann_file=f'{year}/ImageSets/Main/{split}.txt',
            data_prefix=dict(sub_data_root=f'{year}/'),
            test_mode=True,
            pipeline=[],
        )
        assert len(ds) == n and ds.metainfo['dataset_type'] == year
        assert all(len(ds[i]['instances']) >= 1 for i in range(n))
    coco = CocoDataset(
        data_root=osp.join(data_dir, 'coco'),
        ann_file='annotations/instances_val2017.json',
        data_prefix=dict(img='val2017/'),
        test_mode=True,
        pipeline=[],
    )
    assert len(coco) == 2 and all(len(coco[i]['instances']) >= 1 for i in range(2))
    assert {i['bbox_label'] for i in coco[0]['instances']} <= set(range(80))
    seg = PascalVOCDataset(
        data_root=osp.join(voc, 'VOC2012'),
        ann_file='ImageSets/Segmentation/aug.txt',
        data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClassAug'),
        pipeline=[],
    )
    assert len(seg) == 4 and all(osp.isfile(seg[i]['seg_map_path']) for i in range(4))
    ade = ADE20KDataset(
        data_root=osp.join(data_dir, 'ade', 'ADEChallengeData2016'),
        data_prefix=dict(img_path='images/validation', seg_map_path='annotations/validation'),
        pipeline=[],
    )
    assert len(ade) == 2 and ade[0]['reduce_zero_label']


def test_tiny_boxes_are_the_tight_bounds_of_the_masks(data_dir):
    """VOC2012 images carry both an XML (boxes) and a SegmentationClass PNG (masks): they must agree."""
    from mmdet.datasets import VOCDataset

    classes = VOCDataset.METAINFO['classes']
    root = osp.join(data_dir, 'VOCdevkit', 'VOC2012')
    names = open(osp.join(root, 'ImageSets', 'Segmentation', 'trainval.txt')).read().split()
    for name in names:
        mask = np.array(Image.open(osp.join(root, 'SegmentationClass', f'{name}.png')))
        assert Image.open(osp.join(root, 'SegmentationClass', f'{name}.png')).mode == 'P'
        covered = np.zeros_like(mask, dtype=bool)
        for obj in ET.parse(osp.join(root, 'Annotations', f'{name}.xml')).findall('object'):
            label = classes.index(obj.find('name').text) + 1
            x0, y0, x1, y1 = (int(obj.find('bndbox').find(t).text) - 1 for t in ('xmin', 'ymin', 'xmax', 'ymax'))
            inside = mask[y0 : y1 + 1, x0 : x1 + 1] == label
            # every edge of the box touches the object: the box is tight
            assert inside[0].any() and inside[-1].any() and inside[:, 0].any() and inside[:, -1].any()
            covered[y0 : y1 + 1, x0 : x1 + 1] |= inside
        assert np.array_equal(covered, mask > 0), name  # no labelled pixel outside a box
    img = Image.open(osp.join(root, 'JPEGImages', f'{names[0]}.jpg'))
    assert img.size == IMG_SIZE


# ----------------------------------------------------------------------------- load check
def test_load_check_accepts_the_exported_student_with_zero_key_errors(distilled):
    from mmkd.transfer import check_backbone_checkpoint

    _, student = distilled
    for config in (FASTER_R18_VOC, DEEPLAB_R18_VOC):
        backbone = build_backbone(config)
        result = check_backbone_checkpoint(backbone, student)
        assert result['num_tensors'] == len(backbone.state_dict()) == len(backbone_tensors(student))


def test_load_check_explains_checkpoints_that_do_not_fit(distilled, resnet50_student, tmp_path):
    from mmkd.apis import export_student
    from mmkd.registry import MODELS
    from mmkd.transfer import BackboneCheckpointError, check_backbone_checkpoint

    kd_ckpt, student = distilled
    backbone = build_backbone(FASTER_R18_VOC)

    with pytest.raises(
        BackboneCheckpointError,
        match=r'un-exported distiller.*student\.\*.*'
        r'export it with tools/export_student\.py first',
    ):
        check_backbone_checkpoint(backbone, kd_ckpt)

    def cifar_student(backbone_cfg, in_channels):
        clf = MODELS.build(
            dict(
                type='ImageClassifier',
                backbone=backbone_cfg,
                neck=dict(type='GlobalAveragePooling'),
                head=dict(type='LinearClsHead', num_classes=100, in_channels=in_channels),
            )
        )
        raw, out = str(tmp_path / 'cifar_raw.pth'), str(tmp_path / f'cifar_{backbone_cfg["type"]}.pth')
        torch.save({'state_dict': clf.state_dict()}, raw)
        export_student(raw, out)
        return out

    zoo = cifar_student(dict(type='CIFARResNet', arch='resnet8x4'), 256)
    with pytest.raises(BackboneCheckpointError, match=r"CIFAR backbones are not transferable.*'stem\.\*'"):
        check_backbone_checkpoint(backbone, zoo)
    stem3x3 = cifar_student(dict(type='mmpretrain.ResNet_CIFAR', depth=18), 512)
    with pytest.raises(
        BackboneCheckpointError, match=r'CIFAR backbones are not transferable.*\(64, 3, 3, 3\).*\(64, 3, 7, 7\)'
    ):
        check_backbone_checkpoint(backbone, stem3x3)
    declared = torch.load(student, weights_only=True)  # keys that fit, but the meta names a CIFAR backbone
    declared['meta']['backbone_type'] = 'WideResNet'
    torch.save(declared, str(tmp_path / 'declared.pth'))
    with pytest.raises(BackboneCheckpointError, match=r"CIFAR backbones.*meta names its backbone 'WideResNet'"):
        check_backbone_checkpoint(backbone, str(tmp_path / 'declared.pth'))
    declared['meta'] = dict(cfg="model = dict(\n    backbone=dict(\n        type='ResNet_CIFAR', depth=18))")
    torch.save(declared, str(tmp_path / 'declared.pth'))  # an un-exported classifier keeps its config text
    with pytest.raises(BackboneCheckpointError, match=r"CIFAR backbones.*meta names its backbone 'ResNet_CIFAR'"):
        check_backbone_checkpoint(backbone, str(tmp_path / 'declared.pth'))

    with pytest.raises(BackboneCheckpointError) as err:
        check_backbone_checkpoint(backbone, resnet50_student)
    msg = str(err.value)
    assert 'holds ResNet-50' in msg and 'builds ResNet-18' in msg
    assert re.search(r'\d+ unexpected keys: .*layer1\.0\.conv3\.weight', msg)
    assert re.search(
        r'\d+ mis-shaped keys: layer1\.0\.conv1\.weight: checkpoint \(64, 64, 1, 1\) vs backbone '
        r'\(64, 64, 3, 3\)',
        msg,
    )
    with pytest.raises(BackboneCheckpointError) as err:  # the other way round: missing keys are named
        check_backbone_checkpoint(build_backbone(FASTER_R50_VOC), student)
    assert re.search(r'\d+ missing keys: .*layer1\.0\.conv3\.weight', str(err.value))

    bare = {k: v for k, v in backbone_tensors(student).items()}  # a backbone saved without 'backbone.'
    torch.save(bare, str(tmp_path / 'bare.pth'))
    with pytest.raises(BackboneCheckpointError, match=r"no 'backbone\.' keys.*prefix=None"):
        check_backbone_checkpoint(backbone, str(tmp_path / 'bare.pth'))
    with pytest.raises(BackboneCheckpointError, match=r'does not exist.*tools/export_student\.py'):
        check_backbone_checkpoint(backbone, str(tmp_path / 'nope.pth'))


def test_hook_checks_only_training_runs(distilled, resnet50_student):
    """before_run comes before init_weights() in Runner.train(); in val / test there is nothing to check."""
    from types import SimpleNamespace

    from mmengine.runner import BaseLoop

    from mmkd.transfer import BackboneCheckpointError, BackboneLoadCheckHook

    class Loop(BaseLoop):
        def run(self):
            pass

    _, student = distilled
    backbone = build_backbone(FASTER_R18_VOC)
    model = torch.nn.Module()
    model.backbone = backbone

    def runner(train: bool, checkpoint):
        backbone.init_cfg = (
            None if checkpoint is None else dict(type='Pretrained', checkpoint=checkpoint, prefix='backbone.')
        )
        return SimpleNamespace(
            model=model,
            _train_loop=Loop(None, []) if train else dict(type='Loop'),
            logger=logging.getLogger('test_transfer'),
        )

    hook = BackboneLoadCheckHook()
    hook.before_run(runner(False, resnet50_student))  # test / val: not checked, even when it does not fit
    assert hook.result is None
    hook.before_run(runner(True, student))
    assert hook.result['num_tensors'] == len(backbone.state_dict())
    with pytest.raises(BackboneCheckpointError, match='ResNet-50'):
        hook.before_run(runner(True, resnet50_student))
    with pytest.raises(BackboneCheckpointError, match='would start from random weights'):
        hook.before_run(runner(True, None))
    BackboneLoadCheckHook(require_pretrained=False).before_run(runner(True, None))  # only a warning


def test_hook_resolves_in_the_mmdet_and_mmseg_scopes():
    from mmengine.registry import HOOKS, DefaultScope

    import mmkd.transfer  # noqa: F401  (what custom_imports does)
    from mmkd.transfer import BackboneLoadCheckHook

    for scope in ('mmdet', 'mmseg', 'mmkd'):
        with DefaultScope.overwrite_default_scope(scope):
            assert type(HOOKS.build(dict(type='BackboneLoadCheckHook'))) is BackboneLoadCheckHook


def test_train_stops_before_the_first_step_on_an_unexported_checkpoint(distilled, data_dir, tmp_path):
    kd_ckpt, _ = distilled
    cfg = tiny_transfer_config(tmp_path, DEEPLAB_R18_VOC, data_dir, kd_ckpt, options={'train_cfg.max_iters': 2})
    proc = run_tool('train.py', cfg, check=False)
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert 'BackboneCheckpointError' in log and 'export it with tools/export_student.py first' in log
    assert not re.search(r'Iter\(train\)', log)  # not a single training step was taken
    assert not osp.exists(str(tmp_path / 'work' / 'iter_2.pth'))


# ----------------------------------------------------------------------------- fine-tune + test
def test_faster_rcnn_r18_voc_from_the_distilled_student(distilled, data_dir, tmp_path, snapshot_hook):
    _, student = distilled
    cfg = tiny_transfer_config(
        tmp_path,
        FASTER_R18_VOC,
        data_dir,
        student,
        snapshot_hook,
        {
            'train_cfg.max_epochs': 1,
            # one VOC07 + one VOC12 image: two iterations at batch 1
            'train_dataloader.batch_size': 1,
            'train_dataloader.dataset.datasets.0.indices': 1,
            'train_dataloader.dataset.datasets.1.indices': 1,
            'model.train_cfg.rcnn.sampler.num': 64,
            **FEWER_BOXES,
        },
    )
    metrics = train_and_test(tmp_path, cfg, 'epoch_1.pth', str(tmp_path / 'metrics.json'))
    assert math.isfinite(metrics['pascal_voc/mAP']) and 0.0 <= metrics['pascal_voc/mAP'] <= 1.0 + 1e-6
    exported = backbone_tensors(student)
    assert_equal_tensors(torch.load(snapshot_hook, weights_only=True), exported)
    # frozen BN + frozen stem/stage 1 kept the exported values; the later stages were trained
    final = backbone_tensors(str(tmp_path / 'work' / 'epoch_1.pth'))
    frozen = [k for k in exported if k.startswith(('conv1.', 'bn1.', 'layer1.')) or 'running_' in k]
    assert frozen and all(torch.equal(final[k], exported[k]) for k in frozen)
    assert not torch.equal(final['layer4.1.conv2.weight'], exported['layer4.1.conv2.weight'])


def test_cascade_rcnn_r50_coco_from_an_exported_resnet50(resnet50_student, data_dir, tmp_path, snapshot_hook):
    cfg = tiny_transfer_config(
        tmp_path,
        CASCADE_R50_COCO,
        data_dir,
        resnet50_student,
        snapshot_hook,
        {
            'train_cfg.max_epochs': 1,
            'train_dataloader.dataset.indices': 2,  # two iterations at the paper's 1 image per GPU
            **FEWER_BOXES,
            **{f'model.train_cfg.rcnn.{stage}.sampler.num': 64 for stage in range(3)},
        },
    )
    metrics = train_and_test(tmp_path, cfg, 'epoch_1.pth', str(tmp_path / 'metrics.json'))
    for key in ('coco/bbox_mAP', 'coco/bbox_mAP_50', 'coco/bbox_mAP_75'):  # no small boxes here: _s is -1
        assert math.isfinite(metrics[key]) and 0.0 <= metrics[key] <= 1.0, (key, metrics)
    assert_equal_tensors(torch.load(snapshot_hook, weights_only=True), backbone_tensors(resnet50_student))


def test_deeplabv3_r18_voc_aug_from_the_distilled_student(distilled, data_dir, tmp_path, snapshot_hook):
    _, student = distilled
    cfg = tiny_transfer_config(
        tmp_path,
        DEEPLAB_R18_VOC,
        data_dir,
        student,
        snapshot_hook,
        {'train_cfg.max_iters': 2, 'train_cfg.val_interval': 100, 'default_hooks.checkpoint.interval': 2},
    )
    metrics = train_and_test(tmp_path, cfg, 'iter_2.pth', str(tmp_path / 'metrics.json'))
    for key in ('mIoU', 'aAcc'):
        assert math.isfinite(metrics[key]) and 0.0 <= metrics[key] <= 100.0, (key, metrics)
    exported = backbone_tensors(student)
    assert_equal_tensors(torch.load(snapshot_hook, weights_only=True), exported)
    # segmentation trains BN (norm_eval=False, SyncBN reverted to BN on one process)
    final = backbone_tensors(str(tmp_path / 'work' / 'iter_2.pth'))
    assert not torch.equal(final['bn1.running_mean'], exported['bn1.running_mean'])


def test_ade20k_config_reads_the_tiny_ade20k(data_dir):
    """The ADE20K transfer config's own dataset settings load the generated layout (labels 0 -> 255)."""
    from mmengine.registry import DATASETS, DefaultScope

    cfg = Config(_shrink(Config.fromfile(osp.join(REPO, DEEPLAB_R18_ADE)).to_dict(), data_dir))
    with DefaultScope.overwrite_default_scope('mmseg'):
        train = DATASETS.build(cfg.train_dataloader.dataset)
        val = DATASETS.build(cfg.val_dataloader.dataset)
        sample = val[0]
    assert len(train) == 2 and len(val) == 2
    raw = np.array(Image.open(val.get_data_info(0)['seg_map_path']))
    gt = sample['data_samples'].gt_sem_seg.data[0].numpy()
    assert gt.shape == raw.shape  # tested at the original size
    assert np.array_equal(gt == 255, raw == 0) and np.array_equal(gt[raw > 0], raw[raw > 0] - 1)
