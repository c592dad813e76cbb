"""Every transfer config (all of configs/transfer/, found by globbing) built around students of two widths.

The students are random mmpretrain ResNet-18 classifiers exported with mmkd.apis.export_student: the demo's
width-1/4 one (base 16) and a standard one (base 64). Each config must take its widths from the student's
checkpoint, load it with zero missing / unexpected / mis-shaped backbone keys, and carry the load check,
which must refuse the other student.
"""

import glob
import os.path as osp

import numpy as np
import pytest
import torch
from conftest import REPO, build_transfer, fake_runner

TRANSFER_CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', 'transfer', '**', '*.py'), recursive=True)
    if '_base_' not in p
)
# configs whose backbone is mmpretrain's MobileNetV2 / ShuffleNetV2 (tests/test_transfer_nonresnet.py builds them
# around students of their own kind); the rest are ResNet configs, built here around the ResNet-18 students
MOBILE_CONFIGS = [c for c in TRANSFER_CONFIGS if any(k in osp.basename(c) for k in ('mobilenetv2', 'shufflenetv2'))]
RESNET_CONFIGS = [c for c in TRANSFER_CONFIGS if c not in MOBILE_CONFIGS]
WIDTHS = (16, 64)
FMNIST_DET = 'configs/transfer/mmdet/faster-rcnn_r18-w16_fpn_1xb8-600iter_fmnist-composed.py'
FMNIST_CASCADE = 'configs/transfer/mmdet/cascade-rcnn_r18-w16_fpn_1xb8-600iter_fmnist-composed.py'
FMNIST_SEG = 'configs/transfer/mmseg/deeplabv3_r18-w16-d8_1xb8-600iter_fmnist-composed.py'
R18_VOC = 'configs/transfer/mmdet/faster-rcnn_r18_fpn_8xb2-4e_voc0712.py'
DEEPLAB_R18 = 'configs/transfer/mmseg/deeplabv3_r18-d8_8xb2-40k_voc12aug-512x512.py'


@pytest.fixture(scope='module')
def students(tmp_path_factory):
    """{base width: exported ResNet-18 student}."""
    from mmengine.runner import save_checkpoint

    from mmkd.apis import export_student
    from mmkd.registry import MODELS

    tmp = tmp_path_factory.mktemp('students')
    out = {}
    for width in WIDTHS:
        torch.manual_seed(width)
        clf = MODELS.build(
            dict(
                type='ImageClassifier',
                backbone=dict(type='ResNet', depth=18, base_channels=width, stem_channels=width),
                neck=dict(type='GlobalAveragePooling'),
                head=dict(type='LinearClsHead', num_classes=10, in_channels=8 * width),
            )
        )
        raw = str(tmp / f'w{width}_epoch_1.pth')
        save_checkpoint({'state_dict': clf.state_dict(), 'meta': dict(epoch=1, iter=1)}, raw)
        out[width] = str(tmp / f'w{width}_student.pth')
        export_student(raw, out[width])
    return out


def test_the_glob_finds_every_kind_of_transfer_config():
    names = [osp.basename(p) for p in TRANSFER_CONFIGS]
    assert len(names) >= 11 and FMNIST_SEG in TRANSFER_CONFIGS and FMNIST_CASCADE in TRANSFER_CONFIGS
    assert any(n.startswith('faster-rcnn') for n in names) and any(n.startswith('cascade-rcnn') for n in names)
    assert any(n.startswith('deeplabv3') for n in names)


@pytest.mark.parametrize('config', TRANSFER_CONFIGS)
def test_config_carries_the_load_check_a_seed_and_no_hand_written_widths(config):
    from mmengine.config import Config

    cfg = Config.fromfile(osp.join(REPO, config))
    assert 'BackboneLoadCheckHook' in [h['type'] for h in cfg.custom_hooks]
    assert 'mmkd.transfer' in cfg.custom_imports['imports']
    assert cfg.randomness['seed'] == 0
    assert isinstance(cfg.student_checkpoint, str) and cfg.student_checkpoint.endswith('.pth')
    assert cfg.model.backbone.init_cfg.checkpoint is None  # filled from student_checkpoint
    text = open(osp.join(REPO, config)).read()
    for key in ('base_channels', 'stem_channels', 'in_channels', 'feat_channels', 'fc_out_channels'):
        assert key not in text, f'{config} hand-writes {key}'


@pytest.mark.parametrize('width', WIDTHS)
@pytest.mark.parametrize('config', RESNET_CONFIGS)
def test_widths_follow_the_student_and_the_load_check_passes(config, width, students):
    from mmkd.transfer import BackboneCheckpointError, BackboneLoadCheckHook

    cfg, model = build_transfer(config, {'student_checkpoint': students[width]})
    backbone = model.backbone
    assert backbone.conv1.out_channels == width and backbone.depth == 18
    assert cfg.model.backbone.init_cfg.checkpoint == students[width]
    hook = BackboneLoadCheckHook()
    hook.before_run(fake_runner(model))  # raises on any missing / unexpected / mis-shaped key
    assert hook.result['num_tensors'] == len(backbone.state_dict())
    stages = [width, 2 * width, 4 * width, 8 * width]
    if hasattr(model, 'neck'):
        assert [c.conv.in_channels for c in model.neck.lateral_convs] == stages
        assert model.neck.out_channels == 4 * width
        assert model.rpn_head.in_channels == 4 * width and model.rpn_head.feat_channels == 4 * width
        heads = model.roi_head.bbox_head
        for head in heads if isinstance(heads, torch.nn.ModuleList) else [heads]:  # Cascade: every stage
            assert head.in_channels == 4 * width and head.fc_out_channels == 16 * width
    else:
        assert model.decode_head.in_channels == 8 * width and model.decode_head.channels == 2 * width
        assert model.auxiliary_head.in_channels == 4 * width and model.auxiliary_head.channels == width

    other = students[64 if width == 16 else 16]
    backbone.init_cfg = dict(type='Pretrained', checkpoint=other, prefix='backbone.')
    with pytest.raises(BackboneCheckpointError, match=r'mis-shaped keys: .*conv1\.weight: checkpoint'):
        hook.before_run(fake_runner(model))


def test_the_mobile_configs_are_found_and_build_mmpretrain_backbones():
    from mmengine.config import Config

    assert len(MOBILE_CONFIGS) == 4 and len(RESNET_CONFIGS) >= 11
    for config in MOBILE_CONFIGS:
        assert Config.fromfile(osp.join(REPO, config)).model.backbone.type in (
            'mmpretrain.MobileNetV2',
            'mmpretrain.ShuffleNetV2',
        )


@pytest.mark.parametrize('config', MOBILE_CONFIGS)
def test_mobile_widths_without_a_checkpoint_come_from_the_widen_factor(config, tmp_path):
    """No file yet: the configured widen_factor (0.5) gives mmpretrain's channels for the out_indices."""
    from mmkd.transfer.widths import mobile_stage_channels

    cfg, model = build_transfer(config, {'student_checkpoint': str(tmp_path / 'not_exported_yet.pth')})
    m = cfg.model
    kind = m.backbone.type.split('.')[-1]
    stages = [mobile_stage_channels(kind, 0.5)[i] for i in m.backbone.out_indices]
    if 'neck' in m:
        assert m.neck.in_channels == stages and m.neck.out_channels == 128
        assert [c.conv.in_channels for c in model.neck.lateral_convs] == stages
        assert (m.roi_head.bbox_head.in_channels, m.roi_head.bbox_head.fc_out_channels) == (128, 512)
    else:
        assert m.decode_head.in_channels == stages[m.decode_head.in_index] == stages[-1]
        assert m.auxiliary_head.in_channels == stages[m.auxiliary_head.in_index] == stages[0]
        assert m.decode_head.channels == stages[-1] // 4


def test_a_resnet_student_leaves_a_mobile_config_as_configured_and_the_check_refuses_it(students):
    from mmkd.transfer import BackboneCheckpointError, BackboneLoadCheckHook

    cfg, model = build_transfer(MOBILE_CONFIGS[0], {'student_checkpoint': students[16]})
    assert 'depth' not in cfg.model.backbone and 'base_channels' not in cfg.model.backbone
    with pytest.raises(BackboneCheckpointError, match=r'missing keys[\s\S]*unexpected keys'):
        BackboneLoadCheckHook().before_run(fake_runner(model))


def test_explicit_init_cfg_checkpoint_wins_and_is_the_width_source(students):
    """The old override (model.backbone.init_cfg.checkpoint=...) keeps working: the widths follow the file
    the backbone loads, whatever student_checkpoint says."""
    cfg, model = build_transfer(R18_VOC, {'model.backbone.init_cfg.checkpoint': students[16]})
    assert cfg.model.backbone.init_cfg.checkpoint == students[16] and model.backbone.conv1.out_channels == 16


def test_without_a_checkpoint_the_widths_come_from_student_width(tmp_path):
    """The former hand-written numbers are what the derivation gives: w1/4 (base 16) and the standard widths."""
    missing = str(tmp_path / 'not_exported_yet.pth')
    cfg, _ = build_transfer(FMNIST_DET, {'student_checkpoint': missing, 'student_width': 16})
    m = cfg.model
    assert (m.backbone.base_channels, m.backbone.stem_channels) == (16, 16)
    assert m.neck.in_channels == [16, 32, 64, 128] and m.neck.out_channels == 64
    assert m.rpn_head.in_channels == m.rpn_head.feat_channels == 64
    assert m.roi_head.bbox_roi_extractor.out_channels == 64
    assert (m.roi_head.bbox_head.in_channels, m.roi_head.bbox_head.fc_out_channels) == (64, 256)
    cfg, _ = build_transfer(R18_VOC, {'student_checkpoint': missing})
    assert cfg.model.neck.in_channels == [64, 128, 256, 512] and cfg.model.neck.out_channels == 256
    assert cfg.model.roi_head.bbox_head.fc_out_channels == 1024  # mmdet's Faster R-CNN
    cfg, _ = build_transfer(DEEPLAB_R18, {'student_checkpoint': missing})
    assert (cfg.model.decode_head.in_channels, cfg.model.decode_head.channels) == (512, 128)  # mmseg's r18-d8
    assert (cfg.model.auxiliary_head.in_channels, cfg.model.auxiliary_head.channels) == (256, 64)
    cfg, _ = build_transfer(
        'configs/transfer/mmseg/deeplabv3_r50-d8_8xb2-40k_voc12aug-512x512.py', {'student_checkpoint': missing}
    )
    assert (cfg.model.decode_head.in_channels, cfg.model.decode_head.channels) == (2048, 512)  # mmseg's r50-d8
    assert (cfg.model.auxiliary_head.in_channels, cfg.model.auxiliary_head.channels) == (1024, 256)
    assert cfg.model.backbone.init_cfg.checkpoint == missing  # the load check names it when training starts


def test_the_checkpoint_beats_a_disagreeing_student_width(students):
    cfg, model = build_transfer(FMNIST_CASCADE, {'student_checkpoint': students[64], 'student_width': 16})
    assert model.backbone.conv1.out_channels == 64
    assert [h.in_channels for h in model.roi_head.bbox_head] == [256] * 3


def test_read_student_widths_from_tensors(students, tmp_path):
    from mmkd.transfer.widths import StudentWidths, read_student_widths

    assert read_student_widths(students[16]) == StudentWidths(18, 16, 16)
    assert read_student_widths(students[64]).stage_channels == (64, 128, 256, 512)
    assert StudentWidths(50, 64, 64).stage_channels == (256, 512, 1024, 2048)
    sd = torch.load(students[16], weights_only=True)
    torch.save({'state_dict': {'student.' + k: v for k, v in sd['state_dict'].items()}}, str(tmp_path / 'kd.pth'))
    assert read_student_widths(str(tmp_path / 'kd.pth')) is None  # un-exported: the load check explains


# ----------------------------------------------------------------------------- composed segmentation set
def intensity(c):
    return 100 + 15 * c


def tiny_objects(n=40):
    """Uniform 28x28 crops whose gray value tells their class (index % 10): 100 + 15 * class."""
    labels = np.arange(n) % 10
    return np.stack([np.full((28, 28), intensity(c), dtype=np.uint8) for c in labels]), labels


def test_composed_segmentation_labels_each_object_pixel_with_its_class(tmp_path):
    import cv2

    from mmkd.datasets.composed_segmentation import compose_segmentation_split

    images, labels = tiny_objects()
    ann_dir = compose_segmentation_split(
        images, labels, str(tmp_path / 'a'), 'train', 6, canvas=64, size_range=(16, 24), seed=3
    )
    for name in sorted(glob.glob(osp.join(ann_dir, '*.png'))):
        seg = cv2.imread(name, cv2.IMREAD_UNCHANGED)
        img = cv2.imread(name.replace('ann_dir', 'img_dir'), cv2.IMREAD_GRAYSCALE)
        assert seg.shape == img.shape == (64, 64) and seg.dtype == np.uint8
        assert set(np.unique(seg)) - {0} and set(np.unique(seg)) <= set(range(11))
        assert np.array_equal(img[seg > 0], intensity(seg[seg > 0].astype(int) - 1))  # its object's class + 1
        assert (img[seg == 0] < 40).all()  # the rest is background noise
    again = compose_segmentation_split(
        images, labels, str(tmp_path / 'b'), 'train', 6, canvas=64, size_range=(16, 24), seed=3
    )
    other = compose_segmentation_split(
        images, labels, str(tmp_path / 'c'), 'train', 6, canvas=64, size_range=(16, 24), seed=4
    )

    def read(d):
        return [cv2.imread(p, cv2.IMREAD_UNCHANGED) for p in sorted(glob.glob(osp.join(d, '*.png')))]

    assert all(np.array_equal(x, y) for x, y in zip(read(ann_dir), read(again)))  # seeded
    assert not all(np.array_equal(x, y) for x, y in zip(read(ann_dir), read(other)))


def test_deeplabv3_on_the_composed_set_with_the_w16_student(tmp_path, students):
    """The shipped config reads the set and runs one training forward on one canvas."""
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import DATASETS, DefaultScope

    from mmkd.datasets.composed_segmentation import compose_fashion_segmentation

    images, labels = tiny_objects()
    root = compose_fashion_segmentation(images, labels, str(tmp_path / 'seg'), num_images=(2, 1)) + '/'
    cfg, model = build_transfer(
        FMNIST_SEG,
        {
            'student_checkpoint': students[16],
            'train_dataloader.dataset.data_root': root,
            'val_dataloader.dataset.data_root': root,
        },
    )
    with DefaultScope.overwrite_default_scope('mmseg'):
        train = DATASETS.build(cfg.train_dataloader.dataset)
        val = DATASETS.build(cfg.val_dataloader.dataset)
        assert len(train) == 2 and len(val) == 1
        assert val.metainfo['classes'][0] == 'background' and len(val.metainfo['classes']) == 11
        samples = [train[0], train[1]]  # two: the ASPP image-pool BN needs more than one value in training
        gt = samples[0]['data_samples'].gt_sem_seg.data
        assert tuple(gt.shape) == (1, 128, 128) and 1 <= int(gt.max()) <= 10
        batch = model.data_preprocessor(pseudo_collate(samples), True)
        losses = model(**batch, mode='loss')
    assert model.decode_head.conv_seg.out_channels == 11
    assert losses and all(torch.isfinite(v).all() for k, v in losses.items() if 'loss' in k)


def test_faster_rcnn_on_the_composed_set_with_the_w16_student(tmp_path, students):
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import DATASETS, DefaultScope

    from mmkd.datasets import compose_detection_split

    images, labels = tiny_objects()
    root = str(tmp_path / 'det') + '/'
    from mmkd.datasets import FashionMNISTIDX

    compose_detection_split(images, labels, FashionMNISTIDX.METAINFO['classes'], root, 'train', 1, seed=0)
    cfg, model = build_transfer(
        FMNIST_DET, {'student_checkpoint': students[16], 'train_dataloader.dataset.data_root': root}
    )
    with DefaultScope.overwrite_default_scope('mmdet'):
        sample = DATASETS.build(cfg.train_dataloader.dataset)[0]
        batch = model.data_preprocessor(pseudo_collate([sample]), True)
        losses = model(**batch, mode='loss')
    assert model.backbone.conv1.out_channels == 16
    assert all(torch.isfinite(v).all() for k, v in losses.items() if 'loss' in k and torch.is_tensor(v))
