"""CIFARDenseNet (DenseNet-40-12 of MixSKD's CIFAR-100 table): size, shapes, the CIFAR-zoo stage
protocol (fresh stage copies, stride-1 copies, branch rule), MixSKD's branches and its configs."""

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
from mmpretrain.structures import DataSample

from mmkd.apis.runner import model_config
from mmkd.models.backbones.densenet_cifar import CIFARDenseNet, DenseLayer
from mmkd.models.branches import AuxiliaryBranches, set_out_indices
from mmkd.registry import MODELS

DEPTH, K, STEM = 40, 12, 16
LAYERS = (DEPTH - 4) // 3  # dense layers per block
CONFIGS = [
    'configs/mixskd/mixskd_densenet40-12_1xb128-205e_cifar100.py',
    'configs/baseline/densenet40-12_1xb64-240e_cifar100.py',
]

_CACHE = {}


def all_stages():
    """DenseNet-40-12 returning every stage, built once, in eval mode."""
    if 'net' not in _CACHE:
        torch.manual_seed(0)
        _CACHE['net'] = MODELS.build(
            dict(type='CIFARDenseNet', depth=DEPTH, growth_rate=K, out_indices=(0, 1, 2))
        ).eval()
    return _CACHE['net']


def test_channels_depth_and_param_count():
    net = CIFARDenseNet()
    ins = [STEM + i * LAYERS * K for i in range(3)]  # no compression: a transition keeps the width
    outs = [c + LAYERS * K for c in ins]
    assert net.stage_in_channels == ins and net.stage_channels == outs and net.out_channels == outs[-1] == 448
    assert net.stage_strides == [1, 2, 2] and net.num_stages == 3

    # 40 weighted layers: stem conv, 36 dense 3x3 convs, 2 transition 1x1 convs, the classifier
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) + 1 == DEPTH
    assert sum(m.kernel_size == (3, 3) for m in convs) == 1 + 3 * LAYERS

    # independent count: BN has 2c params, convs have no bias
    expected = 3 * STEM * 9
    for i, c in enumerate(ins):
        if i > 0:
            expected += 2 * c + c * c  # transition BN + 1x1 conv
        for j in range(LAYERS):
            expected += 2 * (c + j * K) + (c + j * K) * K * 9
    expected += 2 * outs[-1]  # post BN
    assert num_params(net) == expected
    total = num_params(net) + num_params(nn.Linear(net.out_channels, 100))
    assert abs(total - 1.06e6) / 1.06e6 < 0.03, total


def test_dense_layer_concatenates_its_input():
    layer = DenseLayer(8, K).eval()
    x = torch.randn(2, 8, 5, 5)
    with torch.no_grad():
        out = layer(x)
    assert out.shape == (2, 8 + K, 5, 5)
    assert torch.equal(out[:, :8], x)


def test_output_shapes_for_every_out_index():
    ref = all_stages()
    torch.manual_seed(0)
    img = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        outs = ref(img)
        raw = stage_outputs(ref, img)
    assert len(outs) == 3
    for i in range(3):
        size = 32 // 2**i
        assert raw[i].shape == (2, ref.stage_channels[i], size, size)
        single = CIFARDenseNet(out_indices=i).eval()
        single.load_state_dict(ref.state_dict())
        with torch.no_grad():
            (out,) = single(img)
        assert out.shape == (2, ref.stage_channels[i], size, size)
        assert torch.allclose(out, outs[i], atol=1e-5)
        if i < 2:
            assert torch.allclose(out, raw[i], atol=1e-5)
    with torch.no_grad():  # the last output is post-processed (BN + ReLU)
        assert torch.allclose(outs[-1], ref.post(raw[-1]), atol=1e-5)
    assert (outs[-1] >= 0).all() and (raw[-1] < 0).any()
    with pytest.raises(IndexError):
        CIFARDenseNet(out_indices=3)


def test_raw_taps_append_the_post_output():
    net = CIFARDenseNet().eval()
    set_out_indices(net, range(3))
    img = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        feats = net(img)
        raw = stage_outputs(net, img)
    assert len(feats) == 4
    for f, r in zip(feats[:3], raw):
        assert torch.equal(f, r)
    assert torch.allclose(feats[3], net.post(raw[-1]))


def test_make_stage_fresh():
    net = all_stages()
    ptrs = {p.data_ptr() for p in net.parameters()}
    torch.manual_seed(1)
    for i in range(net.num_stages):
        stage, fresh = net.stages[i], net.make_stage(i)
        assert fresh is not stage
        assert not ptrs & {p.data_ptr() for p in fresh.parameters()}
        ref_state, state = stage.state_dict(), fresh.state_dict()
        assert {k: v.shape for k, v in state.items()} == {k: v.shape for k, v in ref_state.items()}
        assert all(not torch.equal(state[k], ref_state[k]) for k in state if state[k].dim() == 4)
        fresh.load_state_dict(ref_state)
        fresh.eval()
        x = torch.randn(1, net.stage_in_channels[i], 8, 8)
        with torch.no_grad():
            assert torch.allclose(fresh(x), stage(x))
    post = net.make_post()
    assert post is not net.post and not ptrs & {p.data_ptr() for p in post.parameters()}
    assert [type(m) for m in post.modules()] == [type(m) for m in net.post.modules()]


def test_stride_one_skips_the_transition_pool():
    net = all_stages()
    for i in range(net.num_stages):
        stage = net.make_stage(i, stride=1).eval()
        assert not any(isinstance(m, nn.AvgPool2d) for m in stage.modules())
        with torch.no_grad():
            out = stage(torch.randn(1, net.stage_in_channels[i], 4, 4))
        assert out.shape == (1, net.stage_channels[i], 4, 4)
    for i in (1, 2):
        assert any(isinstance(m, nn.AvgPool2d) for m in net.stages[i].modules())
    assert not any(isinstance(m, nn.AvgPool2d) for m in net.stages[0].modules())
    assert_stage_copy_refusals(net)
    with pytest.raises(ValueError, match='depth'):
        CIFARDenseNet(depth=41)


def test_branch_rule():
    net = all_stages()
    img = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        (final,) = CIFARDenseNet().eval()(img)
        raw = stage_outputs(net, img)
        for level in range(net.num_stages - 1):
            branch = nn.Sequential(
                *[net.make_stage(i) for i in range(level + 1, net.num_stages)], net.make_post()
            ).eval()
            assert branch(raw[level]).shape == final.shape == (1, 448, 8, 8)
        # a branch after the last stage (HSSAKD's rule): a stride-1 copy taking the final width
        extra = nn.Sequential(net.make_stage(-1, in_channels=net.stage_channels[-1], stride=1), net.make_post()).eval()
        assert extra[0].transition.conv.in_channels == 448
        assert extra(raw[-1]).shape == final.shape


def test_mixskd_auxiliary_branches():
    net = CIFARDenseNet()
    set_out_indices(net, range(3))
    branches = AuxiliaryBranches(net, 100, taps=[0, 1])
    assert branches.out_channels == 448
    ptrs = {p.data_ptr() for p in net.parameters()}
    assert not ptrs & {p.data_ptr() for p in branches.parameters()}
    feats = net(torch.randn(2, 3, 32, 32))
    maps, logits = branches(feats)
    assert [m.shape for m in maps] == [(2, 448, 8, 8)] * 2
    assert [lg.shape for lg in logits] == [(2, 100)] * 2
    sum(lg.sum() for lg in logits).backward()
    for body in branches.bodies:
        assert all(p.grad is not None for p in body.parameters())
    # tap 0 trains stage 0 (and the stem) only; tap 1 also stage 1; nothing reaches stage 2 or post
    assert net.stem.weight.grad is not None and net.stages[1][0].conv.weight.grad is not None
    assert all(p.grad is None for p in net.stages[2].parameters())


@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds_and_takes_a_loss_step(path):
    cfg = Config.fromfile(osp.join(REPO, path))
    assert cfg.get('default_scope') == 'mmkd'
    torch.manual_seed(0)
    model = MODELS.build(model_config(cfg)).train()
    clf = getattr(model, 'student', model)
    assert isinstance(clf.backbone, CIFARDenseNet)
    assert clf.head.fc.in_features == clf.backbone.out_channels
    g = torch.Generator().manual_seed(0)
    images = [
        torch.randint(0, 256, (3, cfg.input_size, cfg.input_size), generator=g, dtype=torch.uint8) for _ in range(2)
    ]
    samples = [DataSample().set_gt_label(i * 37) for i in range(2)]
    data = model.data_preprocessor(dict(inputs=images, data_samples=samples), True)
    losses = model(**data, mode='loss')
    loss, _ = model.parse_losses(losses)
    assert torch.isfinite(loss)
    loss.backward()
    assert clf.backbone.stem.weight.grad is not None and clf.backbone.stem.weight.grad.abs().sum() > 0
    if 'mixskd' in path:
        assert 'MixSKD' in type(model).__name__ and len(model.branches.taps) == 2
        assert all(p.grad is not None for p in model.branches.parameters())
