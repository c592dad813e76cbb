"""Stage copies and auxiliary branches on mmpretrain's backbone families: every stage copy has the
architecture of the stage it copies, the taps are raw stage outputs with the classifier's feature
last, every branch downsamples as often as the backbone, and HSSAKD's teacher stage (SSADNet) and
MixSKD train on each family; families that cannot host branches are refused at build time."""

import pytest
import torch
import torch.nn as nn
from mmpretrain.structures import DataSample

import mmkd.models.distillers.mixskd  # noqa: F401  (registers MixSKDDistiller)
from mmkd.models.branches import AuxiliaryBranches
from mmkd.models.branches.stage_adapters import ConvNeXtStages, LayerListStages, stage_adapter
from mmkd.models.branches.stage_copies import (
    make_branch_body,
    make_post,
    make_stage,
    num_stages,
    out_channels,
    set_out_indices,
    stage_channels,
)
from mmkd.models.distillers import SSADNet
from mmkd.models.distillers.mixskd import MixSKDDistiller
from mmkd.registry import MODELS

N = 3  # classes
SIZE = 64  # input side: every family below reaches its final resolution (2x2) at stride 32

SMALL_RESNET = dict(base_channels=16, stem_channels=16)
# (id, backbone config, number of stages, final channels)
FAMILIES = [
    ('resnet18', dict(type='ResNet', depth=18, **SMALL_RESNET), 4, 128),
    ('resnetv1c18', dict(type='ResNetV1c', depth=18, **SMALL_RESNET), 4, 128),
    ('resnetv1d18', dict(type='ResNetV1d', depth=18, **SMALL_RESNET), 4, 128),
    ('resnext50', dict(type='ResNeXt', depth=50, groups=4, width_per_group=4, **SMALL_RESNET), 4, 512),
    ('seresnet50', dict(type='SEResNet', depth=50, se_ratio=4, **SMALL_RESNET), 4, 512),
    ('seresnext50', dict(type='SEResNeXt', depth=50, groups=4, width_per_group=4, se_ratio=4, **SMALL_RESNET), 4, 512),
    ('res2net50', dict(type='Res2Net', depth=50, scales=4, base_width=8, **SMALL_RESNET), 4, 512),
    # four stages of 16/32/48/96 channels with 2/4/6/12 groups of width 8
    ('regnet', dict(type='RegNet', arch=dict(w0=16, wa=12.0, wm=1.8, group_w=8, depth=8, bot_mul=1.0)), 4, 96),
    ('mobilenetv2', dict(type='MobileNetV2', widen_factor=0.5), 5, 1280),
    ('mobilenetv3', dict(type='MobileNetV3', arch='small'), 4, 576),
    ('shufflenetv1', dict(type='ShuffleNetV1', groups=3, widen_factor=0.5), 3, 480),
    ('shufflenetv2', dict(type='ShuffleNetV2', widen_factor=0.5), 3, 1024),
    ('efficientnet', dict(type='EfficientNet', arch='b0'), 5, 1280),
    (
        'convnext',
        dict(type='ConvNeXt', arch=dict(depths=[1, 1, 2, 1], channels=[16, 32, 64, 128]), gap_before_final_norm=False),
        4,
        128,
    ),
]
# variants whose copies are checked but that add nothing new to the distiller runs
COPY_ONLY = [
    ('mobilenetv3-large', dict(type='MobileNetV3', arch='large'), 5, 960),
    ('efficientnet-edgetpu', dict(type='EfficientNet', arch='es'), 5, 1280),
]
IDS = [f[0] for f in FAMILIES]

TOKENS = 'token sequences'
REFUSED = [
    ('vit', dict(type='VisionTransformer', arch='deit-tiny', img_size=SIZE, patch_size=16), 192, 'no stages'),
    (
        'swin',
        dict(type='SwinTransformer', arch=dict(embed_dims=16, depths=[1, 1, 1, 1], num_heads=[1, 1, 1, 1])),
        128,
        TOKENS,
    ),
    ('convnext-gap', dict(type='ConvNeXt', arch=dict(depths=[1] * 4, channels=[8, 16, 32, 64])), 64, 'pooled vectors'),
    (
        'convnext-multiscale',
        dict(
            type='ConvNeXt',
            arch=dict(depths=[1] * 4, channels=[8, 16, 32, 64]),
            out_indices=(0, 1, 2, 3),
            gap_before_final_norm=False,
        ),
        64,
        'its own norm',
    ),
]


def classifier(backbone: dict, channels: int) -> dict:
    return dict(
        type='ImageClassifier',
        backbone=backbone,
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=N, in_channels=channels, loss=dict(type='CrossEntropyLoss')),
    )


def batch(n=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, SIZE, SIZE, generator=g), [DataSample().set_gt_label(i % N) for i in range(n)]


def architecture(modules):
    """Every leaf module: its type, parameter / buffer shapes and, for convs, stride, groups, dilation."""
    out = []
    for module in modules:
        for m in module.modules():
            if list(m.children()):
                continue
            entry = [type(m).__name__, [tuple(t.shape) for t in m.state_dict().values()]]
            if isinstance(m, nn.Conv2d):
                entry += [m.stride, m.groups, m.dilation, m.padding]
            out.append(entry)
    return out


def num_params(modules):
    return sum(p.numel() for m in modules for p in m.parameters())


def original_post(backbone):
    """The backbone's own post module (None for families without one)."""
    adapter = stage_adapter(backbone)
    if isinstance(adapter, ConvNeXtStages):
        return getattr(backbone, f'norm{num_stages(backbone) - 1}')
    index = adapter.post_index(backbone) if isinstance(adapter, LayerListStages) else None
    if index is None:
        return None
    layer = backbone.layers[index]
    return getattr(backbone, layer) if isinstance(layer, str) else layer


@pytest.mark.parametrize('name,cfg,stages,channels', FAMILIES + COPY_ONLY, ids=IDS + [f[0] for f in COPY_ONLY])
def test_stage_copies_have_the_architecture_of_the_stage(name, cfg, stages, channels):
    torch.manual_seed(0)
    backbone = MODELS.build(cfg)
    assert num_stages(backbone) == stages
    assert out_channels(backbone) == channels
    adapter = stage_adapter(backbone)
    own = {id(p) for p in backbone.parameters()}
    for i in range(stages):
        original = adapter.stage_modules(backbone, i)
        copy = make_stage(backbone, i)
        assert architecture([copy]) == architecture(original), f'stage {i}'
        assert num_params([copy]) == num_params(original) > 0
        assert not own & {id(p) for p in copy.parameters()}  # fresh parameters, not shared
    post = original_post(backbone)
    if post is None:
        assert isinstance(make_post(backbone), nn.Identity)
    else:
        assert architecture([make_post(backbone)]) == architecture([post])


@pytest.mark.parametrize('name,cfg,stages,channels', FAMILIES + COPY_ONLY, ids=IDS + [f[0] for f in COPY_ONLY])
def test_taps_are_raw_stage_outputs_and_every_branch_downsamples_as_the_backbone(name, cfg, stages, channels):
    torch.manual_seed(0)
    backbone = MODELS.build(cfg)
    backbone.eval()  # mmpretrain's train() overrides return None
    x = torch.randn(2, 3, SIZE, SIZE)
    with torch.no_grad():
        final = backbone(x)[-1]
        set_out_indices(backbone, range(stages))
        feats = backbone(x)
        branches = AuxiliaryBranches(backbone, num_outputs=5)
        branches.eval()
        maps, logits = branches(feats)
    assert final.shape == (2, channels, SIZE // 32, SIZE // 32)
    assert torch.equal(feats[-1], final)  # the classifier still sees its own feature
    widths = stage_channels(backbone)
    has_post = original_post(backbone) is not None and not name.startswith('convnext')
    assert len(feats) == stages + has_post
    sides = [f.shape[-1] for f in feats[:stages]]
    assert [f.shape[1] for f in feats[: stages - 1]] == widths[:-1]  # raw, before any post module
    assert all(a == 2 * b for a, b in zip(sides, sides[1:]))  # one stage per resolution
    for tap, (m, z) in enumerate(zip(maps, logits)):
        assert m.shape == final.shape, f'branch after stage {tap}'
        assert z.shape == (2, 5)
    # the body of the branch after the last stage is one stride-1 copy of it
    assert len(make_branch_body(backbone, stages - 1)) == 2


@pytest.mark.parametrize('name,cfg,stages,channels', FAMILIES, ids=IDS)
def test_hssakd_teacher_stage_trains_branches_on_the_frozen_classifier(name, cfg, stages, channels, tmp_path):
    torch.manual_seed(0)
    plain = MODELS.build(classifier(cfg, channels))
    path = tmp_path / 'classifier.pth'
    torch.save({'state_dict': plain.state_dict()}, path)
    net = SSADNet(student=classifier(cfg, channels), freeze_classifier=True, classifier_ckpt=str(path)).train()
    assert net.branches.taps == list(range(stages))
    x, samples = batch()
    losses = net(x, samples, mode='loss')
    assert set(losses) == {f'loss_aux{i}' for i in range(stages)}
    assert all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    assert all(p.grad is not None for p in net.branches.parameters() if p.requires_grad)
    assert all(p.grad is None for p in net.student.parameters())  # frozen, taps detached
    logits, branch_logits = net.forward_all(net.stack(x, torch.tensor([0, 1]))[0])
    assert logits.shape == (8, N) and [z.shape for z in branch_logits] == [(8, N * 4)] * stages


@pytest.mark.parametrize('name,cfg,stages,channels', FAMILIES, ids=IDS)
def test_mixskd_exits_have_the_final_feature_shape_and_train(name, cfg, stages, channels):
    torch.manual_seed(0)
    d = MixSKDDistiller(student=classifier(cfg, channels), disc_hidden_channels=8).train()
    x, samples = batch()
    losses = d(x, samples, mode='loss')
    assert {'loss_cls', 'loss_mixcls', 'loss_feat', 'loss_dis', 'loss_b_logit', 'loss_cls_h', 'loss_f_logit'} <= set(
        losses
    )
    assert all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    assert all(p.grad is not None for p in d.branches.parameters())
    with torch.no_grad():
        feats, logits = d.forward_exits(x)
    assert len(feats) == len(logits) == stages
    assert [tuple(f.shape) for f in feats] == [(2, channels, SIZE // 32, SIZE // 32)] * stages


@pytest.mark.parametrize('name,cfg,channels,reason', REFUSED, ids=[r[0] for r in REFUSED])
def test_families_without_stage_copies_are_refused_at_build_with_the_reason(name, cfg, channels, reason):
    pattern = f'{cfg["type"]} cannot grow auxiliary branches.*{reason}'
    with pytest.raises(TypeError, match=pattern):
        SSADNet(student=classifier(cfg, channels))
    with pytest.raises(TypeError, match=pattern):
        MixSKDDistiller(student=classifier(cfg, channels))


def test_a_stride1_copy_that_would_change_width_is_refused():
    shufflenet = MODELS.build(dict(type='ShuffleNetV1', groups=3, widen_factor=0.5))
    with pytest.raises(ValueError, match='stride-1 add unit'):
        make_stage(shufflenet, 2, in_channels=240, stride=1)
    convnext = MODELS.build(FAMILIES[-1][1])
    with pytest.raises(ValueError, match='2x2 stride-2 downsampling'):
        make_stage(convnext, 3, in_channels=64, stride=1)


@pytest.mark.parametrize(
    'cfg,channels',
    [
        (dict(type='VGG', depth=11), 512),
        (dict(type='DenseNet', arch=dict(growth_rate=8, depths=(1, 1, 1, 1), init_channels=16)), 48),
    ],
    ids=['vgg', 'densenet'],
)
def test_an_unregistered_family_is_refused_naming_what_it_misses(cfg, channels):
    with pytest.raises(TypeError, match=f'{cfg["type"]} cannot grow auxiliary branches.*make_stage'):
        SSADNet(student=classifier(cfg, channels))


def test_hssakd_with_stage_counts_that_differ_says_which_taps_to_set(tmp_path):
    """A 5-stage MobileNetV2 student under a 4-stage ResNet teacher: the error names the fix, and the fix works."""
    from mmkd.models.distillers import HSSAKDDistiller

    teacher = SSADNet(student=classifier(FAMILIES[0][1], FAMILIES[0][3]))
    path = tmp_path / 'teacher.pth'
    torch.save({'state_dict': teacher.state_dict()}, path)
    teacher_cfg = dict(type='SSADNet', student=classifier(FAMILIES[0][1], FAMILIES[0][3]))
    student = classifier(dict(type='MobileNetV2', widen_factor=0.5), 1280)
    with pytest.raises(
        ValueError, match=r'set the student\'s model\.branches\.taps to 4 of its stage indices \[0, 1, 2, 3, 4\]'
    ):
        HSSAKDDistiller(student=student, teacher=teacher_cfg, teacher_ckpt=str(path))
    model = HSSAKDDistiller(
        student=student, teacher=teacher_cfg, teacher_ckpt=str(path), branches=dict(taps=[1, 2, 3, 4])
    )
    assert list(model.branches.taps) == [1, 2, 3, 4]
