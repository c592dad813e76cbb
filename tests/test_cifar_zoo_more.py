"""The CIFAR zoo's HCGNet, ResNeXt-29, PyramidNet-110 and SE-ResNet-110: sizes against the published
counts, shapes, the stage protocol (out_indices / raw_taps, fresh stage copies, branch bodies), and one
MixSKD / CSS loss step through their configs."""

import os.path as osp

import pytest
import torch
import torch.nn as nn
from backbone_helpers import (
    assert_stage_copy_refusals,
    num_params,
    single_thread,  # noqa: F401 (an autouse fixture)
    stage_outputs,
)
from conftest import REPO
from mmengine.config import Config

from mmkd.apis.config import finalize_config
from mmkd.apis.runner import model_config
from mmkd.models.backbones import CIFARHCGNet, CIFARPyramidNet, CIFARResNet, CIFARResNeXt, CIFARSEResNet
from mmkd.models.backbones.hcgnet_cifar import SMG, GatedCell, HCGTransition
from mmkd.models.backbones.pyramidnet_cifar import PyramidBasicBlock
from mmkd.models.backbones.se_resnet_cifar import SELayer
from mmkd.models.branches import make_branch_body, set_out_indices
from mmkd.models.classifiers.css_network import CSSNetwork
from mmkd.registry import MODELS
from mmkd.testing import fake_batch

# the networks of the configs, with their stage widths
NETWORKS = {
    'hcgnet-a1': (dict(type='CIFARHCGNet', arch='a1'), [120, 252, 414]),
    'resnext29-2x64d': (dict(type='CIFARResNeXt', depth=29, cardinality=2, base_width=64), [256, 512, 1024]),
    'pyramidnet110-a84': (dict(type='CIFARPyramidNet', depth=110, alpha=84, block='basic'), [44, 72, 100]),
    'se-resnet110': (dict(type='CIFARSEResNet', depth=110, block='basic', reduction=16), [16, 32, 64]),
}
WITH_POST = {'hcgnet-a1', 'pyramidnet110-a84'}  # a final BN + ReLU after the last stage

_CACHE = {}


def classifier_params(backbone, num_classes=100):
    """Backbone plus GAP + linear head."""
    return num_params(backbone) + backbone.out_channels * num_classes + num_classes


def all_stages(name):
    """The network returning every stage, built once, in eval mode."""
    if name not in _CACHE:
        torch.manual_seed(0)
        _CACHE[name] = MODELS.build(dict(NETWORKS[name][0], out_indices=(0, 1, 2))).eval()
    return _CACHE[name]


# (network, classes, published parameters, where the number comes from)
PUBLISHED = [
    # MixSKD's CIFAR-100 table (and the HCGNet paper): HCGNet-A1 1.1M
    (dict(arch='a1'), CIFARHCGNet, 100, 1.1e6),
    # HCGNet paper, CIFAR: A2 3.1M, A3 11.4M
    (dict(arch='a2'), CIFARHCGNet, 100, 3.1e6),
    (dict(arch='a3'), CIFARHCGNet, 100, 11.4e6),
    # ResNeXt-29 2x64d: 9.2M, the figure published for it in the online-KD literature; the ResNeXt paper's own
    # CIFAR table has 8x64d at 34.4M (CIFAR-10)
    (dict(), CIFARResNeXt, 100, 9.2e6),
    (dict(cardinality=8), CIFARResNeXt, 10, 34.4e6),
    # PyramidNet paper, CIFAR table: PyramidNet-110 basic, alpha 84: 3.8M; alpha 270: 28.3M
    (dict(alpha=84), CIFARPyramidNet, 100, 3.8e6),
    (dict(alpha=270), CIFARPyramidNet, 10, 28.3e6),
]


@pytest.mark.parametrize('kwargs,cls,classes,published', PUBLISHED)
def test_parameter_counts_match_the_published_ones(kwargs, cls, classes, published):
    total = classifier_params(cls(**kwargs), classes)
    assert abs(total - published) / published < 0.02, (cls.__name__, kwargs, total)


def test_se_resnet110_is_resnet110_plus_its_se_layers():
    # No paper gives SE-ResNet-110's size: it is ResNet-110 (published as 1.7M, He et al.; 1.74M exactly
    # with the 100-way head) plus 2 C^2 / 16 weights per block, 12K in all.
    se, plain = CIFARSEResNet(), CIFARResNet(arch='resnet110')
    se_weights = sum(2 * c * max(1, c // 16) for c in (16, 32, 64)) * 18
    assert classifier_params(se) == classifier_params(plain) + se_weights
    assert se_weights == 12096
    assert abs(classifier_params(se) - 1.75e6) / 1.75e6 < 0.01
    assert round(classifier_params(se) / 1e6, 1) == 1.7


def test_pyramidnet_widens_by_a_truncated_linear_rule_and_pads_its_shortcuts():
    net = CIFARPyramidNet()
    planes = [p for stage in net.stage_planes for p in stage]
    assert planes == [16 + 84 * k // 54 for k in range(1, 55)]
    assert planes[:3] == [17, 19, 20] and net.stage_channels == [44, 72, 100] and net.out_channels == 100
    bottleneck = CIFARPyramidNet(block='bottleneck')
    assert bottleneck.num_blocks == 12 and bottleneck.stage_channels == [4 * 44, 4 * 72, 4 * 100]
    # shortcuts have no parameters: zeroing the residual's last BN leaves the pooled, zero-padded input
    block = PyramidBasicBlock(8, 12, stride=2).eval()
    assert num_params(block.shortcut) == 0
    nn.init.zeros_(block.residual[-1].weight)
    nn.init.zeros_(block.residual[-1].bias)
    x = torch.randn(2, 8, 6, 6)
    with torch.no_grad():
        out = block(x)
    assert out.shape == (2, 12, 3, 3)
    assert torch.allclose(out[:, :8], nn.functional.avg_pool2d(x, 2), atol=1e-6)
    assert (out[:, 8:] == 0).all()
    with pytest.raises(ValueError, match='depth'):
        CIFARPyramidNet(depth=111)


def test_resnext_uses_grouped_bottlenecks():
    net = CIFARResNeXt()
    assert net.num_blocks == 3 and net.stage_mid_channels == [128, 256, 512]
    grouped = [m for m in net.modules() if isinstance(m, nn.Conv2d) and m.groups > 1]
    assert len(grouped) == 9 and all(m.groups == 2 and m.kernel_size == (3, 3) for m in grouped)
    # 29 layers: stem, 9 blocks x 3 convs, classifier
    main_convs = [m for m in net.stages.modules() if isinstance(m, nn.Conv2d) and m.kernel_size != (1, 1)]
    assert 1 + 3 * len(main_convs) + 1 == 29
    with pytest.raises(ValueError, match='depth'):
        CIFARResNeXt(depth=30)


def test_se_layer_rescales_channels_by_a_sigmoid_of_the_pooled_input():
    layer = SELayer(32, 16).eval()
    assert layer.fc[0].out_features == 2
    x = torch.randn(2, 32, 5, 5)
    with torch.no_grad():
        out = layer(x)
        scale = layer.fc(x.mean((2, 3)))
    assert ((scale > 0) & (scale < 1)).all()
    assert torch.allclose(out, x * scale[..., None, None])
    assert SELayer(8, 16).fc[0].out_features == 1


def test_hcgnet_modules():
    smg = SMG(20, 12).eval()
    x = torch.randn(2, 20, 6, 6)
    with torch.no_grad():
        out = smg(x)
    assert out.shape == (2, 32, 6, 6) and torch.equal(out[:, :20], x)  # dense connectivity

    # the gated cell decays its input channel-wise and adds a position-independent context:
    # out_i - out_j = forget * (x_i - x_j) with forget in (0, 1)
    cell = GatedCell(12, forget_factor=2, reduction_factor=2).eval()
    y = torch.randn(2, 12, 5, 5)
    with torch.no_grad():
        z = cell(y)
    ratio = (z[..., 0, 0] - z[..., 3, 2]) / (y[..., 0, 0] - y[..., 3, 2])
    ratio2 = (z[..., 1, 4] - z[..., 2, 0]) / (y[..., 1, 4] - y[..., 2, 0])
    assert torch.allclose(ratio, ratio2, atol=1e-4)
    assert ((ratio > 0) & (ratio < 1)).all()

    trans = HCGTransition(120, 60).eval()
    assert trans.conv1.conv.out_channels == 90 and trans.conv2.conv.stride == (2, 2)
    with torch.no_grad():
        assert trans(torch.randn(2, 120, 8, 8)).shape == (2, 60, 4, 4)
        assert HCGTransition(120, 60, stride=1).eval()(torch.randn(2, 120, 8, 8)).shape == (2, 60, 8, 8)

    net = all_stages('hcgnet-a1')
    assert net.stage_in_channels == [24, 120, 252] and net.block_in_channels == [24, 60, 126]
    assert isinstance(net.stages[1][0], HCGTransition) and isinstance(net.stages[1].block[0], SMG)
    assert sum(isinstance(m, SMG) for m in net.modules()) == 24
    assert_stage_copy_refusals(net)


@pytest.mark.parametrize('name', sorted(NETWORKS))
def test_stage_shapes_out_indices_and_raw_taps(name):
    ref, channels = all_stages(name), NETWORKS[name][1]
    assert ref.stage_channels == channels and ref.out_channels == channels[-1] and ref.num_stages == 3
    torch.manual_seed(0)
    img = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        outs = ref(img)
        raw = stage_outputs(ref, img)
    assert [o.shape for o in outs] == [(2, c, 32 // 2**i, 32 // 2**i) for i, c in enumerate(channels)]
    for i in range(3):
        single = MODELS.build(dict(NETWORKS[name][0], out_indices=i)).eval()
        single.load_state_dict(ref.state_dict())
        with torch.no_grad():
            (out,) = single(img)
        assert torch.allclose(out, outs[i], atol=1e-5)
    with torch.no_grad():
        assert torch.allclose(outs[-1], ref.post(raw[-1]), atol=1e-5)
    with pytest.raises(IndexError):
        MODELS.build(dict(NETWORKS[name][0], out_indices=3))

    # raw taps: the raw stage outputs, then the post output when there is a post module
    tapped = MODELS.build(NETWORKS[name][0]).eval()
    tapped.load_state_dict(ref.state_dict())
    set_out_indices(tapped, range(3))
    with torch.no_grad():
        feats = tapped(img)
    assert len(feats) == (4 if name in WITH_POST else 3)
    for f, r in zip(feats[:3], raw):
        assert torch.allclose(f, r, atol=1e-5)
    if name in WITH_POST:
        assert torch.allclose(feats[3], ref.post(raw[-1]), atol=1e-5)
        assert (feats[3] >= 0).all() and (raw[-1] < 0).any()


@pytest.mark.parametrize('name', sorted(NETWORKS))
def test_fresh_stage_copies_and_branch_bodies(name):
    net = all_stages(name)
    ptrs = {p.data_ptr() for p in net.parameters()}
    torch.manual_seed(1)
    for i in range(net.num_stages):
        stage, fresh = net.stages[i], net.make_stage(i)
        assert not ptrs & {p.data_ptr() for p in fresh.parameters()}
        ref_state, state = stage.state_dict(), fresh.state_dict()
        assert {k: v.shape for k, v in state.items()} == {k: v.shape for k, v in ref_state.items()}
        fresh.load_state_dict(ref_state)
        fresh.eval()
        x = torch.randn(2, net.stage_in_channels[i], 8, 8)
        with torch.no_grad():
            assert torch.allclose(fresh(x), stage(x), atol=1e-5)

    img = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        raw = stage_outputs(net, img)
        final = net.post(raw[-1])
        for tap in range(net.num_stages):  # tap 2: HSSAKD's stride-1 copy of the last stage
            body = make_branch_body(net, tap).eval()
            assert not ptrs & {p.data_ptr() for p in body.parameters()}
            end = body(raw[tap])
            assert end.shape == final.shape == (2, net.out_channels, 8, 8)
            if name in WITH_POST:
                assert (end >= 0).all()
        stride1 = net.make_stage(1, stride=1).eval()
        assert stride1(raw[0]).shape == (2, net.stage_channels[1], 32, 32)
    if name == 'pyramidnet110-a84':  # the stride-1 copy fed 100 channels projects its first shortcut
        extra = make_branch_body(net, 2)[0][0].shortcut
        assert extra.proj is not None and extra.pool is None
        assert net.stages[2][0].shortcut.proj is None


def build_config(path):
    cfg = finalize_config(Config.fromfile(osp.join(REPO, path)))
    assert cfg.get('default_scope') == 'mmkd'
    torch.manual_seed(0)
    return cfg, MODELS.build(model_config(cfg)).train()


def test_mixskd_step_on_hcgnet_a1():
    cfg, model = build_config('configs/mixskd/mixskd_hcgnet-a1_1xb128-205e_cifar100.py')
    backbone = model.student.backbone
    assert isinstance(backbone, CIFARHCGNet) and backbone.growth_rates == [12, 24, 36]
    assert model.student.head.fc.in_features == 414 and len(model.branches.taps) == 2
    # branch b1 copies transition 1 onwards, b2 transition 2 onwards
    assert [sum(isinstance(m, HCGTransition) for m in body.modules()) for body in model.branches.bodies] == [2, 1]
    data = fake_batch(cfg, model, 32, n=2)
    losses = model(**data, mode='loss')
    loss, _ = model.parse_losses(losses)
    assert torch.isfinite(loss)
    loss.backward()
    assert backbone.stem.weight.grad is not None and backbone.stem.weight.grad.abs().sum() > 0
    assert all(p.grad is not None for p in model.branches.parameters())


CSS_CONFIGS = {
    'configs/css/css_resnext29-2x64d_resnext29-2x64d_1xb128-300e_cifar100.py': (CIFARResNeXt, CIFARResNeXt),
    'configs/css/css_pyramidnet110-a84_pyramidnet110-a84_1xb128-300e_cifar100.py': (CIFARPyramidNet, CIFARPyramidNet),
    'configs/css/css_se-resnet110_se-resnet110_1xb128-300e_cifar100.py': (CIFARSEResNet, CIFARSEResNet),
    'configs/css/css_resnet110_se-resnet110_1xb128-300e_cifar100.py': (CIFARResNet, CIFARSEResNet),
    'configs/css/css_resnet110_pyramidnet110-a84_1xb128-300e_cifar100.py': (CIFARResNet, CIFARPyramidNet),
}


@pytest.mark.parametrize('path', sorted(CSS_CONFIGS))
def test_css_step(path):
    cfg, model = build_config(path)
    nets = list(model.nets)
    assert [type(n.backbone) for n in nets] == list(CSS_CONFIGS[path])
    data = fake_batch(cfg, model, 32, n=2)
    for net in nets:
        assert isinstance(net, CSSNetwork) and len(net.branches) == 3
        with torch.no_grad():
            trunk = net.extract_trunk(data['inputs'])
        # the trunk ends after stage 2 (16x16); every branch copies stage 3 and ends like the backbone
        assert trunk.shape[-2:] == (16, 16)
        assert all(b.fc.in_features == net.out_channels and b.fc.out_features == 300 for b in net.branches)
    losses = model(**data, mode='loss')
    assert {'net1.loss_ce', 'net2.loss_ce', 'net1.loss_kd', 'net2.loss_kd'} <= set(losses)
    loss, _ = model.parse_losses(losses)
    assert torch.isfinite(loss)
    loss.backward()
    for net in nets:
        assert net.backbone.stem[0].weight.grad.abs().sum() > 0
        for branch in net.branches:
            assert all(p.grad is not None for p in branch.parameters())
