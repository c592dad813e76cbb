"""The fast frozen-teacher path (Conv+BN folding, channels_last) and tools/benchmark.py."""

import copy
import glob
import json
import os.path as osp
import sys

import pytest
import torch
import torch.nn as nn
from conftest import REPO, run_tool

from mmkd.models.utils.fast_inference import (
    AbsorbedBatchNorm,
    FoldedConv2d,
    fast_inference,
    find_conv_bn_pairs,
    fold_conv_bn,
)
from mmkd.registry import MODELS
from mmkd.utils.allocator import find_jemalloc

FAST = dict(fold_bn=True, channels_last=True, compile=False)

# every backbone family of the zoo, small enough to run in a second
UNFOLDABLE_BNS = {'wide_resnet': 3}  # pre-activation: 2 blocks' bn1 read an add, and the post BN
BACKBONES = {
    'resnet_basic': dict(type='CIFARResNet', arch='resnet8'),
    'resnet_bottleneck': dict(type='CIFARResNet', depth=11, block='bottleneck'),
    'wide_resnet': dict(type='WideResNet', depth=10, widen_factor=2),
    'vgg': dict(type='CIFARVGG', depth=8),
    'mobilenetv2': dict(type='CIFARMobileNetV2'),
    'shufflenetv1': dict(type='CIFARShuffleNetV1', stage_blocks=(1, 1, 1)),
    'shufflenetv2': dict(type='CIFARShuffleNetV2', net_size=0.5),
    'mmpretrain_resnet': dict(type='ResNet_CIFAR', depth=18),
}


def classifier(backbone: dict, num_classes: int = 10) -> dict:
    net = MODELS.build(backbone)
    net.eval()  # mmpretrain's ResNet.train() returns None
    with torch.no_grad():
        channels = net(torch.zeros(1, 3, 32, 32))[-1].shape[1]
    return dict(
        type='ImageClassifier',
        backbone=backbone,
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='LinearClsHead', num_classes=num_classes, in_channels=channels, loss=dict(type='CrossEntropyLoss')
        ),
    )


def randomise_bn(module: nn.Module, seed: int = 0) -> nn.Module:
    """Non-trivial running statistics and affine parameters, so a wrong fold shows."""
    g = torch.Generator().manual_seed(seed)
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            if m.track_running_stats:
                m.running_mean.copy_(torch.rand(n, generator=g) * 2 - 1)
                m.running_var.copy_(torch.rand(n, generator=g) * 1.5 + 0.5)
            m.weight.data.copy_(torch.rand(n, generator=g) + 0.5)
            m.bias.data.copy_(torch.rand(n, generator=g) - 0.5)
    return module


def write_teacher(cfg: dict, path: str, seed: int = 0) -> str:
    torch.manual_seed(seed)
    teacher = randomise_bn(MODELS.build(cfg), seed)
    torch.save({'state_dict': teacher.state_dict()}, path)
    return path


def distillers(kind: str, student: dict, teacher: dict, ckpt: str, **kwargs):
    """The same distiller twice: eager teacher, fast teacher."""
    out = []
    for fast in (None, FAST):
        torch.manual_seed(0)
        out.append(
            MODELS.build(
                dict(type=kind, student=student, teacher=teacher, teacher_ckpt=ckpt, fast_teacher=fast, **kwargs)
            )
        )
    return out


def assert_close_to_eager(fast: torch.Tensor, eager: torch.Tensor):
    # the stated tolerance of the fast path in fp32: 1e-4 relative to the output's scale
    scale = eager.abs().max().item()
    torch.testing.assert_close(fast, eager, rtol=1e-4, atol=1e-4 * max(scale, 1.0))


# ------------------------------------------------------------------------------------------- folding
def test_conv_bn_folding_is_exact_in_fp64():
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1, bias=False),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.Conv2d(8, 8, 3, padding=1, groups=4, bias=True),
        nn.BatchNorm2d(8),
    )
    backbone = MODELS.build(dict(type='CIFARResNet', arch='resnet8'))
    x = torch.randn(4, 3, 16, 16, dtype=torch.float64)
    for module in (net, backbone):
        module = randomise_bn(module).double().eval()
        folded = copy.deepcopy(module)
        pairs = fold_conv_bn(folded)
        bns = sum(isinstance(m, nn.BatchNorm2d) for m in module.modules())
        assert len(pairs) == bns  # every BN of these nets follows a conv
        assert sum(isinstance(m, FoldedConv2d) for m in folded.modules()) == bns
        with torch.no_grad():
            ref, out = module(x), folded(x)
        ref, out = (ref,) if torch.is_tensor(ref) else ref, (out,) if torch.is_tensor(out) else out
        for a, b in zip(ref, out):
            assert (a - b).abs().max().item() < 1e-11


def test_folding_keeps_state_dict_and_follows_later_loads():
    torch.manual_seed(0)
    eager = randomise_bn(MODELS.build(dict(type='CIFARResNet', arch='resnet8'))).eval()
    fast = fast_inference(copy.deepcopy(eager))
    before, after = eager.state_dict(), fast.state_dict()
    assert list(before) == list(after)
    assert all(torch.equal(before[k], after[k]) for k in before)
    other = randomise_bn(copy.deepcopy(eager), seed=1)  # new BN statistics, loaded after folding
    fast.load_state_dict(other.state_dict())
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert_close_to_eager(fast(x)[-1], other(x)[-1])
        assert not torch.allclose(fast(x)[-1], eager(x)[-1], atol=1e-3)
    fast.train(), other.train()  # training mode: BN uses batch statistics, the fold steps aside
    with torch.no_grad():
        assert_close_to_eager(fast(x)[-1], other(x)[-1])


class _ConvOutputReadTwice(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv, self.bn = nn.Conv2d(3, 3, 3, padding=1), nn.BatchNorm2d(3)

    def forward(self, x):
        y = self.conv(x)
        return self.bn(y) + y


class _SharedConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv, self.bn = nn.Conv2d(3, 3, 3, padding=1), nn.BatchNorm2d(3)

    def forward(self, x):
        return self.conv(self.bn(self.conv(x)))


@pytest.mark.parametrize(
    'make',
    [
        _ConvOutputReadTwice,
        _SharedConv,
        lambda: nn.Sequential(nn.BatchNorm2d(3), nn.Conv2d(3, 3, 3)),  # BN before conv (pre-activation)
        lambda: nn.Sequential(nn.Conv2d(3, 3, 3), nn.BatchNorm2d(3, track_running_stats=False)),  # batch stats
    ],
)
def test_nothing_is_folded_where_folding_is_not_exact(make):
    module = randomise_bn(make()).eval()
    assert find_conv_bn_pairs(module) == []
    x = torch.randn(2, 3, 8, 8)
    with torch.no_grad():
        ref = module(x)
        fast = fast_inference(module)
        assert not any(isinstance(m, (FoldedConv2d, AbsorbedBatchNorm)) for m in fast.modules())
        torch.testing.assert_close(fast(x), ref)


# ----------------------------------------------------------------------------- fast teacher of a distiller
@pytest.mark.parametrize('family', sorted(BACKBONES))
def test_fast_teacher_equals_eager_for_every_backbone_family(family, tmp_path):
    teacher = classifier(BACKBONES[family])
    student = classifier(dict(type='CIFARResNet', arch='resnet8'))
    ckpt = write_teacher(teacher, osp.join(str(tmp_path), 'teacher.pth'))
    eager, fast = distillers('KDDistiller', student, teacher, ckpt)
    folded = sum(isinstance(m, FoldedConv2d) for m in fast.teacher.modules())
    bns = sum(isinstance(m, nn.BatchNorm2d) for m in eager.teacher.modules())
    assert folded == len(fast.teacher.fast_inference_folded) == bns - UNFOLDABLE_BNS.get(family, 0) > 0
    assert all(
        m.weight.is_contiguous(memory_format=torch.channels_last)
        for m in fast.teacher.modules()
        if isinstance(m, nn.Conv2d)
    )
    fast.train()
    assert not fast.teacher.training  # still frozen
    x = torch.randn(4, 3, 32, 32)
    assert_close_to_eager(fast.teacher_logits(x), eager.teacher_logits(x))


def test_fast_hssakd_teacher_with_branches_equals_eager(tmp_path):
    def ssad(arch):
        return dict(type='SSADNet', student=classifier(dict(type='CIFARResNet', arch=arch)), aux_task='ssad')

    teacher = ssad('resnet14')
    ckpt = write_teacher(teacher, osp.join(str(tmp_path), 'teacher.pth'))
    eager, fast = distillers('HSSAKDDistiller', classifier(dict(type='CIFARResNet', arch='resnet8')), teacher, ckpt)
    branch_bns = sum(isinstance(m, nn.BatchNorm2d) for m in eager.teacher.branches.modules())
    assert sum(isinstance(m, FoldedConv2d) for m in fast.teacher.branches.modules()) == branch_bns > 0
    x = torch.randn(8, 3, 32, 32)
    with torch.no_grad():
        ref_logits, ref_branches = eager.teacher.forward_all(x)
        logits, branches = fast.teacher.forward_all(x)
    assert_close_to_eager(logits, ref_logits)
    assert len(branches) == len(ref_branches) == 3
    for out, ref in zip(branches, ref_branches):
        assert_close_to_eager(out, ref)
    # the training loss sees the same teacher
    from mmpretrain.structures import DataSample

    samples = [DataSample().set_gt_label(i % 10) for i in range(8)]
    losses_eager, losses_fast = eager.loss(x, samples), fast.loss(x, samples)
    for key in losses_eager:
        torch.testing.assert_close(losses_fast[key], losses_eager[key], rtol=1e-4, atol=1e-5)


def test_fast_teacher_checkpoints_load_both_ways(tmp_path):
    teacher = classifier(dict(type='CIFARResNet', arch='resnet8'))
    student = classifier(dict(type='CIFARResNet', arch='resnet8'))
    ckpt = write_teacher(teacher, osp.join(str(tmp_path), 'teacher.pth'))
    eager, fast = distillers('KDDistiller', student, teacher, ckpt, save_teacher=True)
    saved_fast, saved_eager = fast.state_dict(), eager.state_dict()
    assert list(saved_fast) == list(saved_eager)
    assert all(torch.equal(saved_fast[k], saved_eager[k]) for k in saved_eager)
    eager.load_state_dict(saved_fast, strict=True)  # a fast run's checkpoint resumes an eager one
    # default: the teacher stays out of checkpoints and is kept on a strict load
    _, fast_default = distillers('KDDistiller', student, teacher, ckpt)
    saved = fast_default.state_dict()
    assert saved and not any(k.startswith('teacher.') for k in saved)
    x = torch.randn(2, 3, 32, 32)
    before = fast_default.teacher_logits(x)
    fast_default.load_state_dict(saved, strict=True)
    torch.testing.assert_close(fast_default.teacher_logits(x), before)


# ----------------------------------------------------------------------------------------- the tool
TINY_HSSAKD = '''
_base_ = [{base!r}]
_resnet8 = dict(backbone=dict(arch='resnet8'), head=dict(num_classes=10, in_channels=64))
model = dict(student=_resnet8, teacher=dict(student=_resnet8))
data_preprocessor = dict(num_classes=10)
train_dataloader = dict(batch_size=4)
'''


def hssakd_resnet32x4_resnet8x4_config() -> str:
    """The CIFAR-100 HSSAKD resnet32x4 -> resnet8x4 config, by glob: its name may carry batch and schedule."""
    (path,) = glob.glob(osp.join(REPO, 'configs/hssakd/hssakd_resnet32x4_resnet8x4*cifar100.py'))
    return path


def test_benchmark_tool_writes_json_with_every_field(tmp_path):
    config = osp.join(str(tmp_path), 'tiny_hssakd.py')
    with open(config, 'w') as f:
        f.write(TINY_HSSAKD.format(base=hssakd_resnet32x4_resnet8x4_config()))
    out = osp.join(str(tmp_path), 'bench.json')
    proc = run_tool('benchmark.py', config, '--iters', 2, '--warmup', 0, '--threads', 1, '--json', out, timeout=300)
    assert 'ratios' in proc.stdout
    with open(out) as f:
        result = json.load(f)
    assert result['batch_size'] == 4 and result['input_size'] == 32 and result['threads'] == 1
    assert result['fast_teacher'] == FAST and result['random_checkpoints'] == ['teacher_ckpt']
    assert set(result['variants']) == {'mmkd', 'reference', 'naive'}
    for v in result['variants'].values():
        assert len(v['step_times_s']) == 2 and all(t > 0 for t in v['step_times_s'])
        assert v['min_step_s'] <= v['median_step_s']
        assert v['images_per_s'] == pytest.approx(4 / v['median_step_s'])
        assert v['peak_memory_mb'] > 100 and v['memory_kind'].startswith('peak RSS')
    v = result['variants']
    assert v['reference']['reference_preprocess'] == 'torch'
    # mmkd and reference run as tools/train.py does (jemalloc when installed), naive on the system malloc
    expected = 'jemalloc' if find_jemalloc() else 'system'
    assert v['mmkd']['allocator'] == v['reference']['allocator'] == expected
    assert v['naive']['allocator'] == 'system'
    assert result['channels_last'] is True  # as the HSSAKD resnet32x4 -> resnet8x4 config sets
    r = result['ratios']
    assert r['overhead'] == pytest.approx(v['mmkd']['median_step_s'] / v['reference']['median_step_s'])
    assert r['speedup_vs_naive'] == pytest.approx(v['naive']['median_step_s'] / v['mmkd']['median_step_s'])
    assert r['memory_vs_naive'] == pytest.approx(v['mmkd']['peak_memory_mb'] / v['naive']['peak_memory_mb'])
    rounds = list(zip(v['mmkd']['step_times_s'], v['reference']['step_times_s'], v['naive']['step_times_s']))
    assert r['overhead_paired'] == pytest.approx(sum(m / ref for m, ref, _ in rounds) / 2)  # median of 2 rounds
    assert r['speedup_vs_naive_paired'] == pytest.approx(sum(n / m for m, _, n in rounds) / 2)
    assert result['targets'] == dict(
        overhead_le_1_05=r['overhead_paired'] <= 1.05,
        speedup_vs_naive_ge_1_3=r['speedup_vs_naive_paired'] >= 1.3,
        memory_le_naive=r['memory_vs_naive'] <= 1.0,
    )
    # the three steps compute the same losses (same seed, same batch, same updates)
    terms = [k for k in v['naive']['losses']]
    assert {'loss_ce', 'loss_kl_p', 'loss_kl_q0'} <= set(terms)
    for key in terms:
        assert v['mmkd']['losses'][key] == pytest.approx(v['reference']['losses'][key], rel=1e-4, abs=1e-6)
        assert v['mmkd']['losses'][key] == pytest.approx(v['naive']['losses'][key], rel=1e-3, abs=1e-5)


def test_channels_last_model_computes_the_same_losses_and_gradients(tmp_path):
    from mmpretrain.structures import DataSample

    teacher = dict(type='SSADNet', student=classifier(dict(type='CIFARResNet', arch='resnet8')), aux_task='ssad')
    ckpt = write_teacher(teacher, osp.join(str(tmp_path), 'teacher.pth'))
    models = []
    for channels_last in (False, True):
        torch.manual_seed(0)
        student = classifier(dict(type='CIFARResNet', arch='resnet8'))
        model = MODELS.build(
            dict(
                type='HSSAKDDistiller', student=student, teacher=teacher, teacher_ckpt=ckpt, channels_last=channels_last
            )
        )
        model.train()  # converts, once every module is built
        models.append(model.double())  # fp64: the comparison shows the math, not fp32 rounding
    nchw, nhwc = models
    convs = [m for m in nhwc.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) > len([m for m in nhwc.student.modules() if isinstance(m, nn.Conv2d)])  # branches, teacher
    assert all(m.weight.is_contiguous(memory_format=torch.channels_last) for m in convs)
    assert not any(
        m.weight.is_contiguous(memory_format=torch.channels_last)
        for m in nchw.modules()
        if isinstance(m, nn.Conv2d) and m.kernel_size != (1, 1)
    )
    x = torch.randn(4, 3, 32, 32, dtype=torch.float64)
    samples = [DataSample().set_gt_label(i) for i in range(4)]
    losses = [model.loss(x, samples) for model in models]
    for key in losses[0]:
        torch.testing.assert_close(losses[1][key], losses[0][key], rtol=1e-10, atol=1e-12)
    for loss in losses:
        sum(loss.values()).backward()
    for (name, a), (_, b) in zip(nchw.named_parameters(), nhwc.named_parameters()):
        if a.grad is not None:
            torch.testing.assert_close(b.grad, a.grad, rtol=1e-8, atol=1e-10 * a.grad.abs().max().item())


def test_benchmark_table_reads_results_and_pairs_the_rounds(tmp_path):
    sys.path.insert(0, osp.join(REPO, 'tools', 'analysis'))
    import benchmark_table

    def variant(times, peak, allocator):
        s = sorted(times)
        return dict(
            step_times_s=times,
            median_step_s=s[1],
            min_step_s=s[0],
            images_per_s=64 / s[1],
            peak_memory_mb=peak,
            allocator=allocator,
        )

    result = dict(
        config='configs/x/y.py',
        batch_size=64,
        load_average=dict(start=[1.0], end=[2.0]),
        variants=dict(
            mmkd=variant([2.0, 4.0, 3.0], 900, 'jemalloc'),
            reference=variant([2.0, 3.0, 3.0], 900, 'jemalloc'),
            naive=variant([3.0, 6.0, 6.0], 1000, 'system'),
        ),
        ratios=dict(overhead=1.0, speedup_vs_naive=2.0, memory_vs_naive=0.9),
    )  # no paired ratios
    path = osp.join(str(tmp_path), 'run.json')
    with open(path, 'w') as f:
        json.dump(result, f)
    cells = benchmark_table.row(path)
    assert dict(zip(benchmark_table.COLUMNS, cells)) == {
        'run': 'run',
        'config': '`y.py`',
        'batch': '64',
        'steps': '3',
        'mmkd s': '3.00 / 2.00',
        'reference s': '3.00 / 2.00',
        'naive s': '6.00 / 3.00',
        'mmkd img/s': '21.33',
        'overhead (paired)': '1.000 (1.000)',  # per round 1.0, 1.333, 1.0
        'speedup vs naive (paired)': '**2.00** (1.50)',  # per round 1.5, 1.5, 2.0
        'peak MB mmkd / naive': '900 / 1000 (0.900)',
        'malloc mmkd / naive': 'jemalloc / system',
        'load avg': '1.0 -> 2.0',
    }
    with open(path, 'w') as f:
        json.dump(dict(config='x'), f)
    with pytest.raises(KeyError, match='not a tools/benchmark.py --json result'):
        benchmark_table.row(path)
