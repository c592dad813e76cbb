import math

import pytest
import torch
import torch.nn as nn
from backbone_helpers import num_params, single_thread, stage_outputs  # noqa: F401 (single_thread: autouse)

from mmkd.models.backbones import (
    CIFARVGG,
    CIFARMobileNetV2,
    CIFARResNet,
    CIFARShuffleNetV1,
    CIFARShuffleNetV2,
    WideResNet,
)
from mmkd.registry import MODELS

ARCHS = {
    'resnet8': dict(type='CIFARResNet', arch='resnet8'),
    'resnet20': dict(type='CIFARResNet', arch='resnet20'),
    'resnet56': dict(type='CIFARResNet', arch='resnet56'),
    'resnet110': dict(type='CIFARResNet', arch='resnet110'),
    'resnet8x4': dict(type='CIFARResNet', arch='resnet8x4'),
    'resnet32x4': dict(type='CIFARResNet', arch='resnet32x4'),
    'resnet56_bottleneck': dict(type='CIFARResNet', arch='resnet56_bottleneck'),
    'resnet110_bottleneck': dict(type='CIFARResNet', arch='resnet110_bottleneck'),
    'wrn20_8_bottleneck': dict(type='CIFARResNet', arch='wrn20_8_bottleneck'),
    'wrn_40_2': dict(type='WideResNet', depth=40, widen_factor=2),
    'wrn_40_1': dict(type='WideResNet', depth=40, widen_factor=1),
    'wrn_16_2': dict(type='WideResNet', depth=16, widen_factor=2),
    'vgg8': dict(type='CIFARVGG', depth=8),
    'vgg11': dict(type='CIFARVGG', depth=11),
    'vgg13': dict(type='CIFARVGG', depth=13),
    'mobilenetv2': dict(type='CIFARMobileNetV2', width_mult=0.5),
    'shufflenetv1': dict(type='CIFARShuffleNetV1', groups=3),
    'shufflenetv2': dict(type='CIFARShuffleNetV2', net_size=1.0),
}

# Millions of parameters with a 100-class linear classifier: CRD / HSAKD
# table values, plus regression values measured here for the bottlenecks.
PARAMS = {
    'resnet20': 0.28,
    'resnet56': 0.86,
    'resnet110': 1.74,
    'resnet8x4': 1.23,
    'resnet32x4': 7.43,
    'resnet110_bottleneck': 1.17,
    'wrn20_8_bottleneck': 6.87,
    'wrn_40_2': 2.26,
    'wrn_40_1': 0.57,
    'wrn_16_2': 0.70,
    'vgg13': 9.46,
    'mobilenetv2': 0.81,
    'shufflenetv1': 0.95,
    'shufflenetv2': 1.36,
}

FINAL_SIZE = {'CIFARResNet': 8, 'WideResNet': 8}

_CACHE = {}


def build(name, **kwargs):
    cfg = dict(ARCHS[name], **kwargs)
    return MODELS.build(cfg)


def get_backbone(name):
    """Backbone with all stages as outputs, built once per arch."""
    if name not in _CACHE:
        num_stages = 4 if ARCHS[name]['type'] in ('CIFARVGG', 'CIFARMobileNetV2') else 3
        backbone = build(name, out_indices=tuple(range(num_stages)))
        _CACHE[name] = backbone.eval()
    return _CACHE[name]


def get_features(name):
    """(backbone outputs, raw stage outputs) for one fixed 32x32 image."""
    key = name + ':feats'
    if key not in _CACHE:
        backbone = get_backbone(name)
        torch.manual_seed(0)
        img = torch.randn(1, 3, 32, 32)
        with torch.no_grad():
            outs = backbone(img)
            stage_outs = stage_outputs(backbone, img)
        _CACHE[key] = outs, stage_outs
    return _CACHE[key]


@pytest.mark.parametrize('name', sorted(PARAMS))
def test_param_count(name):
    backbone = build(name)
    total = num_params(backbone) + num_params(nn.Linear(backbone.out_channels, 100))
    assert abs(total / 1e6 - PARAMS[name]) / PARAMS[name] < 0.02, total


@pytest.mark.parametrize('name', sorted(ARCHS))
def test_forward_shapes(name):
    backbone = get_backbone(name)
    num_stages = backbone.num_stages
    assert backbone.out_indices == tuple(range(num_stages))
    assert len(backbone.stage_channels) == num_stages
    assert len(backbone.stage_strides) == num_stages
    assert len(backbone.stage_in_channels) == num_stages

    outs, stage_outs = get_features(name)
    assert isinstance(outs, tuple) and len(outs) == num_stages
    final_size = FINAL_SIZE.get(ARCHS[name]['type'], 4)
    size = 32
    for i, (out, stage_out) in enumerate(zip(outs, stage_outs)):
        size //= backbone.stage_strides[i]
        assert stage_out.shape == (1, backbone.stage_channels[i], size, size)
        if i < num_stages - 1:
            assert torch.equal(out, stage_out)
        else:
            assert out.shape == (1, backbone.out_channels, size, size)
            with torch.no_grad():
                assert torch.allclose(backbone.post(stage_out), out)
    assert size == final_size


@pytest.mark.parametrize('name', ['resnet20', 'wrn_16_2', 'vgg8'])
def test_out_indices(name):
    backbone = build(name).eval()
    last_index = backbone.num_stages - 1
    assert backbone.out_indices == (last_index,)
    multi = build(name, out_indices=[-1, 0]).eval()
    assert multi.out_indices == (0, last_index)
    multi.load_state_dict(backbone.state_dict())
    first = build(name, out_indices=0).eval()
    assert first.out_indices == (0,)
    first.load_state_dict(backbone.state_dict())

    torch.manual_seed(0)
    img = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        (final,) = backbone(img)
        outs = multi(img)
        (stage0,) = first(img)
    assert final.shape[1] == backbone.out_channels
    assert len(outs) == 2
    assert torch.allclose(outs[1], final)
    assert torch.allclose(outs[0], stage0)
    assert stage0.shape[1] == backbone.stage_channels[0]
    with pytest.raises(IndexError):
        build(name, out_indices=(last_index + 1,))


@pytest.mark.parametrize('name', sorted(ARCHS))
def test_make_stage_fresh(name):
    backbone = get_backbone(name)
    backbone_ptrs = {p.data_ptr() for p in backbone.parameters()}
    torch.manual_seed(0)
    for index in range(backbone.num_stages):
        stage = backbone.stages[index]
        fresh = backbone.make_stage(index)
        assert fresh is not stage
        assert not backbone_ptrs & {p.data_ptr() for p in fresh.parameters()}
        ref_state, state = stage.state_dict(), fresh.state_dict()
        assert {k: v.shape for k, v in state.items()} == {k: v.shape for k, v in ref_state.items()}
        assert all(not torch.equal(state[k], ref_state[k]) for k in state if state[k].dim() == 4)

        fresh.load_state_dict(ref_state)
        fresh.eval()
        x = torch.randn(1, backbone.stage_in_channels[index], 8, 8)
        with torch.no_grad():
            assert torch.allclose(fresh(x), stage(x))

    post = backbone.make_post()
    assert post is not backbone.post
    assert not backbone_ptrs & {p.data_ptr() for p in post.parameters()}
    assert [type(m) for m in post.modules()] == [type(m) for m in backbone.post.modules()]


@pytest.mark.parametrize('name', sorted(ARCHS))
def test_branch_rule(name):
    backbone = get_backbone(name)
    outs, stage_outs = get_features(name)
    num_stages = backbone.num_stages
    final_shape = outs[-1].shape
    with torch.no_grad():
        for level in range(num_stages - 1):
            branch = nn.Sequential(
                *[backbone.make_stage(i) for i in range(level + 1, num_stages)], backbone.make_post()
            ).eval()
            assert branch(stage_outs[level]).shape == final_shape

        extra = nn.Sequential(
            backbone.make_stage(num_stages - 1, in_channels=backbone.stage_channels[-1], stride=1), backbone.make_post()
        ).eval()
        assert extra(stage_outs[-1]).shape == final_shape


@pytest.mark.parametrize('name', sorted(ARCHS))
def test_make_stage_stride_one(name):
    backbone = get_backbone(name)
    for index in range(backbone.num_stages):
        stage = backbone.make_stage(index, stride=1).eval()
        x = torch.randn(1, backbone.stage_in_channels[index], 4, 4)
        with torch.no_grad():
            out = stage(x)
        assert out.shape == (1, backbone.stage_channels[index], 4, 4)


@pytest.mark.parametrize('arch', ['resnet56', 'resnet8x4', 'resnet110_bottleneck'])
def test_resnet_stride_one_shortcut(arch):
    backbone = CIFARResNet(arch=arch)
    channels = backbone.stage_channels[-1]
    extra = backbone.make_stage(-1, in_channels=channels, stride=1)
    assert extra[0].downsample is None
    assert backbone.stages[-1][0].downsample is not None


def test_registry():
    backbone = MODELS.build(dict(type='CIFARResNet', arch='resnet56'))
    assert isinstance(backbone, CIFARResNet)
    assert backbone.num_blocks == 9
    for cls in (WideResNet, CIFARVGG, CIFARMobileNetV2, CIFARShuffleNetV1, CIFARShuffleNetV2):
        assert MODELS.get(cls.__name__) is cls


def test_resnet_args():
    by_depth = CIFARResNet(depth=56)
    assert num_params(by_depth) == num_params(CIFARResNet(arch='resnet56'))
    wide = CIFARResNet(depth=20, block='bottleneck', width_per_group=512)
    assert num_params(wide) == num_params(CIFARResNet(arch='wrn20_8_bottleneck'))
    assert wide.stage_mid_channels == [128, 256, 512]
    assert wide.stage_channels == [64, 128, 256]
    with pytest.raises(ValueError):
        CIFARResNet()
    with pytest.raises(ValueError):
        CIFARResNet(arch='resnet56', depth=56)
    with pytest.raises(KeyError):
        CIFARResNet(arch='resnet57')
    with pytest.raises(AssertionError):
        CIFARResNet(depth=57)


def test_wrn_dropout():
    backbone = WideResNet(depth=16, widen_factor=1, drop_rate=0.3).train()
    (out,) = backbone(torch.randn(2, 3, 32, 32))
    assert out.shape == (2, 64, 8, 8)
    assert (out >= 0).all()


def test_init():
    backbone = CIFARResNet(arch='resnet20')
    conv = backbone.stages[0][0].conv1
    fan_out = conv.out_channels * math.prod(conv.kernel_size)
    std = math.sqrt(2 / fan_out)
    assert abs(conv.weight.std().item() - std) < 0.1 * std
    bn = backbone.stages[0][0].bn1
    assert torch.equal(bn.weight, torch.ones_like(bn.weight))
    assert torch.equal(bn.bias, torch.zeros_like(bn.bias))
