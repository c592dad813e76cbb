"""Transfer of non-ResNet students: mmpretrain's MobileNetV2 and ShuffleNetV2 into Faster R-CNN and DeepLabV3.

Each student is a randomly initialised mmpretrain classifier (the backbone of
configs/baseline/{mobilenetv2,shufflenetv2}-w0.5_fashion-mnist.py) saved as an mmengine checkpoint and exported
with mmkd.apis.export_student. The transfer configs build the backbone through the `mmpretrain.` scope; the
widths (widen_factor, FPN / head in_channels) are read from the export. In process: build, load check (zero
missing / unexpected / mis-shaped keys), init_weights, backbone tensors == exported tensors, one loss step.
"""

import math
import os.path as osp

import pytest
import torch
from conftest import REPO, build_transfer, fake_runner

STUDENTS = {'MobileNetV2': 1280, 'ShuffleNetV2': 1024}  # backbone -> classifier head in_channels (width 0.5)
CONFIGS = {
    ('MobileNetV2', 'det'): 'configs/transfer/mmdet/faster-rcnn_mobilenetv2-w0.5_fpn_1xb8-600iter_fmnist-composed.py',
    ('MobileNetV2', 'seg'): 'configs/transfer/mmseg/deeplabv3_mobilenetv2-w0.5_1xb8-600iter_fmnist-composed.py',
    ('ShuffleNetV2', 'det'): 'configs/transfer/mmdet/faster-rcnn_shufflenetv2-w0.5_fpn_1xb8-600iter_fmnist-composed.py',
    ('ShuffleNetV2', 'seg'): 'configs/transfer/mmseg/deeplabv3_shufflenetv2-w0.5_1xb8-600iter_fmnist-composed.py',
}
BASELINES = {
    'MobileNetV2': 'configs/baseline/mobilenetv2-w0.5_1xb64-5e_fashion-mnist.py',
    'ShuffleNetV2': 'configs/baseline/shufflenetv2-w0.5_1xb64-5e_fashion-mnist.py',
}
SIZE = 64  # tiny images


@pytest.fixture(scope='module')
def students(tmp_path_factory):
    """{backbone: exported width-0.5 student}, built from the classification configs' model."""
    from mmengine.config import Config
    from mmengine.runner import save_checkpoint

    from mmkd.apis import export_student
    from mmkd.registry import MODELS

    tmp = tmp_path_factory.mktemp('nonresnet')
    out = {}
    for i, kind in enumerate(STUDENTS):
        torch.manual_seed(i)
        model_cfg = Config.fromfile(osp.join(REPO, BASELINES[kind])).model
        assert model_cfg.backbone.type == kind and model_cfg.backbone.widen_factor == 0.5
        clf = MODELS.build(model_cfg)
        for name, buf in clf.backbone.named_buffers():  # BN statistics that differ from a fresh init
            if 'running_' in name:
                buf.copy_(torch.rand_like(buf) + 0.5)
        raw = str(tmp / f'{kind}_epoch_1.pth')
        save_checkpoint({'state_dict': clf.state_dict(), 'meta': dict(epoch=1, iter=1)}, raw)
        out[kind] = str(tmp / f'{kind}_student.pth')
        export_student(raw, out[kind])
    return out


def exported_backbone(path: str) -> dict:
    sd = torch.load(path, map_location='cpu', weights_only=True)['state_dict']
    return {k[len('backbone.') :]: v for k, v in sd.items() if k.startswith('backbone.')}


def det_batch(model):
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData

    samples = []
    for i in range(2):
        s = DetDataSample(
            metainfo=dict(
                img_shape=(SIZE, SIZE),
                ori_shape=(SIZE, SIZE),
                pad_shape=(SIZE, SIZE),
                scale_factor=(1.0, 1.0),
                batch_input_shape=(SIZE, SIZE),
            )
        )
        s.gt_instances = InstanceData(
            bboxes=torch.tensor([[8.0, 8.0, 40.0, 44.0 - 4 * i]]), labels=torch.tensor([i + 1])
        )
        samples.append(s)
    inputs = [torch.randint(0, 255, (3, SIZE, SIZE), dtype=torch.uint8) for _ in samples]
    return model.data_preprocessor(dict(inputs=inputs, data_samples=samples), True)


def seg_batch(model):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    samples = []
    for i in range(2):  # two: the ASPP image-pool BN needs more than one value in training
        s = SegDataSample(metainfo=dict(img_shape=(SIZE, SIZE), ori_shape=(SIZE, SIZE)))
        gt = torch.zeros(1, SIZE, SIZE, dtype=torch.long)
        gt[:, 10:40, 12:44] = i + 3
        s.gt_sem_seg = PixelData(data=gt)
        samples.append(s)
    inputs = [torch.randint(0, 255, (3, SIZE, SIZE), dtype=torch.uint8) for _ in samples]
    return model.data_preprocessor(dict(inputs=inputs, data_samples=samples), True)


@pytest.mark.parametrize('task', ['det', 'seg'])
@pytest.mark.parametrize('kind', list(STUDENTS))
def test_student_loads_with_zero_key_errors_and_trains_one_step(kind, task, students):
    from mmengine.registry import DefaultScope

    from mmkd.transfer import BackboneLoadCheckHook
    from mmkd.transfer.widths import mobile_stage_channels

    config = CONFIGS[kind, task]
    options = {'student_checkpoint': students[kind]}
    if task == 'seg':
        options['model.data_preprocessor.size'] = (SIZE, SIZE)  # the tiny images, not the 128x128 canvases
    cfg, model = build_transfer(config, options)
    backbone = model.backbone
    assert type(backbone).__name__ == kind and type(backbone).__module__.startswith('mmpretrain.')
    assert cfg.model.backbone.type == f'mmpretrain.{kind}' and cfg.model.backbone.widen_factor == 0.5
    assert cfg.model.backbone.init_cfg.checkpoint == students[kind]

    # the load check: every tensor of the backbone is in the export and vice versa, with its shape
    hook = BackboneLoadCheckHook()
    hook.before_run(fake_runner(model))
    exported = exported_backbone(students[kind])
    assert hook.result['num_tensors'] == len(backbone.state_dict()) == len(exported)
    assert sorted(backbone.state_dict()) == sorted(exported)  # the full state dict, no key left out

    model.init_weights()
    got = backbone.state_dict()
    differ = [k for k in exported if not torch.equal(got[k], exported[k])]
    assert not differ, f'{len(differ)} backbone tensors differ from the exported ones, e.g. {differ[:5]}'

    # the widths the neck / heads were given are the backbone's real output channels
    stages = mobile_stage_channels(kind, 0.5)
    out_indices = cfg.model.backbone.out_indices
    backbone.eval()
    with torch.no_grad():
        feats = backbone(torch.zeros(2, 3, SIZE, SIZE))
    assert [f.shape[1] for f in feats] == [stages[i] for i in out_indices]
    if task == 'det':
        assert [c.conv.in_channels for c in model.neck.lateral_convs] == [stages[i] for i in out_indices]
        assert model.neck.out_channels == model.rpn_head.in_channels == 128  # 256 x widen factor
        assert model.roi_head.bbox_head.in_channels == 128 and model.roi_head.bbox_head.fc_out_channels == 512
    else:
        assert model.decode_head.in_channels == stages[out_indices[-1]] == feats[-1].shape[1]
        assert model.auxiliary_head.in_channels == stages[out_indices[0]] == feats[0].shape[1]
        assert model.decode_head.channels == model.decode_head.in_channels // 4
        assert feats[-1].shape[-1] == SIZE // 32  # no dilation option: output stride 32

    model.train()
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        batch = det_batch(model) if task == 'det' else seg_batch(model)
        losses = model(**batch, mode='loss')
    total = sum(v.sum() if torch.is_tensor(v) else sum(x.sum() for x in v) for k, v in losses.items() if 'loss' in k)
    assert math.isfinite(total.item()) and total.item() > 0
    total.backward()
    assert backbone.conv1.conv.weight.grad is not None  # the loss reaches the transferred stem


def test_read_backbone_widths_of_mobile_students(students, tmp_path):
    from mmengine.runner import save_checkpoint

    from mmkd.registry import MODELS
    from mmkd.transfer.widths import MobileWidths, mobile_stage_channels, read_backbone_widths

    assert read_backbone_widths(students['MobileNetV2']) == MobileWidths(
        'MobileNetV2', 0.5, (8, 16, 16, 32, 48, 80, 160, 1280)
    )
    assert read_backbone_widths(students['ShuffleNetV2']) == MobileWidths('ShuffleNetV2', 0.5, (48, 96, 192, 1024))
    assert mobile_stage_channels('MobileNetV2', 1.0) == (16, 24, 32, 64, 96, 160, 320, 1280)
    assert mobile_stage_channels('ShuffleNetV2', 1.0) == (116, 232, 464, 1024)
    # another width: MobileNetV2 x1.4 (conv2 widens above 1.0)
    net = MODELS.build(dict(type='MobileNetV2', widen_factor=1.4))
    save_checkpoint({'state_dict': {'backbone.' + k: v for k, v in net.state_dict().items()}}, str(tmp_path / 'w.pth'))
    w = read_backbone_widths(str(tmp_path / 'w.pth'))
    assert w.widen_factor == 1.4 and w.stage_channels[-1] == 1792 and w.fpn == 360


def test_a_student_of_another_width_sets_the_widen_factor(tmp_path):
    """The config's widen_factor=0.5 is only the default: a ShuffleNetV2 1.0x export builds a 1.0x detector."""
    from mmengine.runner import save_checkpoint

    from mmkd.registry import MODELS
    from mmkd.transfer import check_backbone_checkpoint

    net = MODELS.build(dict(type='ShuffleNetV2', widen_factor=1.0))
    path = str(tmp_path / 'shv2_1x.pth')
    save_checkpoint({'state_dict': {'backbone.' + k: v for k, v in net.state_dict().items()}}, path)
    cfg, model = build_transfer(CONFIGS['ShuffleNetV2', 'det'], {'student_checkpoint': path})
    assert cfg.model.backbone.widen_factor == 1.0 and cfg.model.neck.in_channels == [116, 232, 464]
    assert cfg.model.neck.out_channels == 256
    assert check_backbone_checkpoint(model.backbone, path)['num_tensors'] == len(net.state_dict())


def test_the_load_check_refuses_a_student_of_another_kind(students):
    """A ShuffleNetV2 export into the MobileNetV2 config (or the other way round) is named key by key."""
    from mmkd.transfer import BackboneCheckpointError, check_backbone_checkpoint

    for kind, other in (('MobileNetV2', 'ShuffleNetV2'), ('ShuffleNetV2', 'MobileNetV2')):
        # widths stay as configured
        _, model = build_transfer(CONFIGS[kind, 'det'], {'student_checkpoint': students[other]})
        with pytest.raises(BackboneCheckpointError, match=rf'does not fit the {kind} backbone[\s\S]*missing keys'):
            check_backbone_checkpoint(model.backbone, students[other])


def test_baseline_configs_build_the_imagenet_style_backbones():
    from mmengine.config import Config

    from mmkd.registry import MODELS

    for kind, width in STUDENTS.items():
        clf = MODELS.build(Config.fromfile(osp.join(REPO, BASELINES[kind])).model).eval()
        assert type(clf.backbone).__module__.startswith('mmpretrain.') and type(clf.backbone).__name__ == kind
        with torch.no_grad():
            assert clf.backbone(torch.zeros(1, 3, 32, 32))[-1].shape[1] == width == clf.head.fc.in_features
