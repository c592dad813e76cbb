"""HSSAKD: branches, the teacher stage (SSADNet), offline and online distillation."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.optim import build_optim_wrapper
from mmpretrain.structures import DataSample

from mmkd.apis import extract_student
from mmkd.models.branches import AuxiliaryBranches, num_stages, set_out_indices
from mmkd.models.distillers import HSSAKDDistiller, OnlineHSSAKD, SSADNet, build_classifier
from mmkd.models.losses import kl_div_with_temperature
from mmkd.registry import MODELS

N = 5  # classes


def clf(backbone, channels, num_classes=N):
    return dict(
        type='ImageClassifier',
        backbone=backbone,
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='LinearClsHead', num_classes=num_classes, in_channels=channels, loss=dict(type='CrossEntropyLoss')
        ),
    )


def r(arch):
    return clf(dict(type='CIFARResNet', arch=arch), {'resnet8': 64, 'resnet14': 64, 'resnet8x4': 256}[arch])


def batch(n=4, size=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, size, size, generator=g), [DataSample().set_gt_label(i % N) for i in range(n)]


def labels_of(samples):
    return torch.tensor([int(s.gt_label) for s in samples])


def manual_rotations(x):
    """Row 4i+j = image i rotated by j*90 degrees, built with an explicit loop."""
    rows = []
    for img in x:
        for j in range(4):
            rows.append(torch.rot90(img, j, (1, 2)))
    return torch.stack(rows)


def test_stack_layout_and_joint_labels_match_explicit_loop():
    net = SSADNet(student=r('resnet8'))
    x, samples = batch(3)
    y = labels_of(samples)
    stacked, joint = net.stack(x, y)
    assert torch.equal(stacked, manual_rotations(x))
    assert joint.tolist() == [int(y[i]) * 4 + j for i in range(3) for j in range(4)]


BACKBONES = [
    (dict(type='CIFARResNet', arch='resnet8'), 32),
    (dict(type='CIFARResNet', arch='resnet8x4'), 32),
    (dict(type='CIFARResNet', arch='resnet56_bottleneck'), 32),
    (dict(type='WideResNet', depth=16, widen_factor=1), 32),
    (dict(type='CIFARVGG', depth=8), 32),
    (dict(type='CIFARMobileNetV2'), 32),
    (dict(type='CIFARShuffleNetV1'), 32),
    (dict(type='CIFARShuffleNetV2'), 32),
    (dict(type='ResNet_CIFAR', depth=18), 32),
    (dict(type='ResNet', depth=18), 64),
    (dict(type='ResNet', depth=50), 64),
]


@pytest.mark.parametrize(
    'cfg,size',
    BACKBONES,
    ids=lambda v: v['type'] + str(v.get('arch', v.get('depth', ''))) if isinstance(v, dict) else str(v),
)
def test_branches_end_at_the_backbone_resolution(cfg, size):
    backbone = MODELS.build(cfg)
    total = num_stages(backbone)
    set_out_indices(backbone, range(total))
    branches = AuxiliaryBranches(backbone, num_outputs=7)
    backbone.eval(), branches.eval()
    with torch.no_grad():
        feats = backbone(torch.randn(2, 3, size, size))
        maps, logits = branches(feats)
    has_post = not isinstance(getattr(backbone, 'post', torch.nn.Identity()), torch.nn.Identity)
    assert len(feats) == total + has_post  # raw stage outputs (+ the post-processed final feature)
    assert len(maps) == total == len(logits)
    for tap, feat in enumerate(feats[:total]):
        channels = getattr(backbone, 'stage_channels', None)
        if channels is not None:
            assert feat.shape[1] == channels[tap]  # branches tap the raw stage output
    final = feats[-1]
    for m, z in zip(maps, logits):
        assert m.shape == final.shape  # same number of downsamplings, same width
        assert z.shape == (2, 7)
    backbone_params = {id(p) for p in backbone.parameters()}
    assert not backbone_params & {id(p) for p in branches.parameters()}  # fresh copies


def _ssad_losses_by_hand(net, x, y):
    stacked = manual_rotations(x)
    joint = torch.tensor([int(y[i]) * 4 + j for i in range(len(y)) for j in range(4)])
    feats, logits = net.classify(net.student, stacked)
    upright = logits[torch.arange(0, len(stacked), 4)]
    ce = F.cross_entropy(upright, y)
    aux = [F.cross_entropy(z, joint) for z in net.branches(feats)[1]]
    return ce, aux


def test_ssad_loss_terms_match_formula():
    torch.manual_seed(0)
    net = SSADNet(student=r('resnet8')).eval()  # eval: BN deterministic across the two forwards
    x, samples = batch()
    losses = net(x, samples, mode='loss')
    ce, aux = _ssad_losses_by_hand(net, x, labels_of(samples))
    assert losses['loss_ce'].item() == pytest.approx(ce.item(), rel=1e-5)
    assert [losses[f'loss_aux{i}'].item() for i in range(3)] == pytest.approx([a.item() for a in aux], rel=1e-5)


@pytest.mark.parametrize(
    'task,keys',
    [
        ('supervised', {'loss_aux0'}),
        ('selfsup', {'loss_aux0'}),
        ('multitask', {'loss_aux0_cls', 'loss_aux0_ss'}),
        ('none', set()),
    ],
)
def test_table2_aux_tasks(task, keys):
    net = SSADNet(student=r('resnet8'), aux_task=task).eval()
    x, samples = batch()
    y = labels_of(samples)
    losses = net(x, samples, mode='loss')
    assert keys <= set(losses) and 'loss_ce' in losses
    if task == 'none':
        assert net.branches is None and set(losses) == {'loss_ce'}
        return
    assert len(net.branches.fcs) == 3
    out = {'supervised': N, 'selfsup': 4, 'multitask': N + 4}[task]
    assert net.branches.fcs[0].out_features == out
    if task == 'selfsup':
        feats, _ = net.classify(net.student, manual_rotations(x))
        z = net.branches(feats)[1][0]
        expected = F.cross_entropy(z, torch.arange(4).repeat(len(y)))
        assert losses['loss_aux0'].item() == pytest.approx(expected.item(), rel=1e-5)
    if task == 'supervised':  # no rotations: upright images only
        feats, _ = net.classify(net.student, x)
        expected = F.cross_entropy(net.branches(feats)[1][0], y)
        assert losses['loss_aux0'].item() == pytest.approx(expected.item(), rel=1e-5)


@pytest.fixture
def teacher_ckpt(tmp_path):
    torch.manual_seed(3)
    teacher = SSADNet(student=r('resnet14'))
    path = tmp_path / 'teacher.pth'
    torch.save({'state_dict': teacher.state_dict()}, path)
    return str(path)


def test_offline_loss_terms_match_formula(teacher_ckpt):
    torch.manual_seed(0)
    d = HSSAKDDistiller(
        student=r('resnet8'), teacher=dict(type='SSADNet', student=r('resnet14')), teacher_ckpt=teacher_ckpt, tau=3.0
    ).eval()
    x, samples = batch()
    y = labels_of(samples)
    losses = d(x, samples, mode='loss')
    assert set(losses) == {'loss_ce', 'loss_kl_q0', 'loss_kl_q1', 'loss_kl_q2', 'loss_kl_p'}
    stacked = manual_rotations(x)
    feats, s_logits = d.classify(d.student, stacked)
    s_branch = d.branches(feats)[1]
    with torch.no_grad():
        t_feats, t_logits = d.classify(d.teacher.student, stacked)
        t_branch = d.teacher.branches(t_feats)[1]

    def kl(s, t, tau=3.0):  # written out: sum over classes, mean over all 4n rows, times tau^2
        p_t = torch.softmax(t / tau, 1)
        return tau**2 * (p_t * (torch.log(p_t) - torch.log_softmax(s / tau, 1))).sum(1).mean()

    assert losses['loss_ce'].item() == pytest.approx(F.cross_entropy(s_logits[0::4], y).item(), rel=1e-5)
    for i in range(3):
        assert losses[f'loss_kl_q{i}'].item() == pytest.approx(kl(s_branch[i], t_branch[i]).item(), rel=1e-4)
    assert losses['loss_kl_p'].item() == pytest.approx(kl(s_logits, t_logits).item(), rel=1e-4)
    upright = HSSAKDDistiller(
        student=r('resnet8'),
        teacher=dict(type='SSADNet', student=r('resnet14')),
        teacher_ckpt=teacher_ckpt,
        kl_p_scope='upright',
        use_kl_q=False,
    ).eval()
    upright.load_state_dict(d.state_dict())
    losses = upright(x, samples, mode='loss')
    assert set(losses) == {'loss_ce', 'loss_kl_p'}
    assert losses['loss_kl_p'].item() == pytest.approx(kl(s_logits[0::4], t_logits[0::4]).item(), rel=1e-4)


def test_offline_teacher_frozen_and_student_branches_train_the_backbone(teacher_ckpt):
    d = HSSAKDDistiller(
        student=r('resnet8'), teacher=dict(type='SSADNet', student=r('resnet14')), teacher_ckpt=teacher_ckpt
    )
    d.train()
    assert not d.teacher.training and all(not m.training for m in d.teacher.modules())
    x, samples = batch()
    losses = d(x, samples, mode='loss')
    losses['loss_kl_q0'].backward()  # only the branch term: must reach the student backbone
    assert d.student.backbone.stem[0].weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in d.teacher.parameters())
    assert all(p.grad is None for p in d.branches.fcs[1].parameters())


def test_offline_needs_matching_teacher(teacher_ckpt, tmp_path):
    with pytest.raises(ValueError, match='student has 2 branches but the teacher has 3'):
        HSSAKDDistiller(
            student=r('resnet8'),
            teacher=dict(type='SSADNet', student=r('resnet14')),
            teacher_ckpt=teacher_ckpt,
            branches=dict(taps=[1, 2]),
        )
    plain = build_classifier(r('resnet14'))
    torch.save({'state_dict': plain.state_dict()}, tmp_path / 'plain.pth')
    with pytest.raises(TypeError, match='needs an SSADNet teacher'):
        HSSAKDDistiller(student=r('resnet8'), teacher=r('resnet14'), teacher_ckpt=str(tmp_path / 'plain.pth'))


def test_frozen_backbone_teacher_stage_trains_only_the_branches(tmp_path):
    classifier = build_classifier(r('resnet8'))
    torch.save({'state_dict': classifier.state_dict()}, tmp_path / 'cls.pth')
    net = SSADNet(student=r('resnet8'), freeze_classifier=True, classifier_ckpt=str(tmp_path / 'cls.pth'))
    net.train()
    assert not net.student.training and net.branches.training
    before = {k: v.clone() for k, v in net.student.state_dict().items()}
    wrapper = build_optim_wrapper(
        net, dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9), constructor='DistillOptimWrapperConstructor')
    )
    branch_before = net.branches.fcs[0].weight.clone()
    x, samples = batch()
    losses = net(x, samples, mode='loss')
    assert 'loss_ce' not in losses  # the classifier is frozen: no task loss
    wrapper.update_params(sum(losses.values()))
    for k, v in net.student.state_dict().items():
        assert torch.equal(v, before[k]), k  # weights and BN statistics bit-identical
    assert not torch.equal(branch_before, net.branches.fcs[0].weight)
    assert all(p.grad is None for p in net.student.parameters())


def test_joint_teacher_stage_branch_gradients_reach_backbone():
    net = SSADNet(student=r('resnet8'))
    x, samples = batch()
    net(x, samples, mode='loss')['loss_aux0'].backward()
    assert net.student.backbone.stem[0].weight.grad.abs().sum() > 0


def test_online_detach_rule_and_terms():
    torch.manual_seed(0)
    o = OnlineHSSAKD(peers=[r('resnet8'), r('resnet14')], tau=3.0)
    x, samples = batch()
    losses = o(x, samples, mode='loss')
    assert {'peer0.loss_ce', 'peer0.loss_aux', 'peer0.loss_kl_q', 'peer0.loss_kl_p'} <= set(losses)
    losses['peer0.loss_kl_q'].backward(retain_graph=True)
    assert any(p.grad is not None for p in o.branches[0].parameters())
    assert all(p.grad is None for p in o.branches[1].parameters())
    assert all(p.grad is None for p in o.peers[1].parameters())
    o.zero_grad(set_to_none=True)
    losses['peer1.loss_kl_p'].backward()
    assert all(p.grad is None for p in o.peers[0].parameters())
    assert any(p.grad is not None for p in o.peers[1].parameters())
    # value of the logit term: peer1 learns from detached peer0 over all 4n rows
    o.eval()
    losses = o(x, samples, mode='loss')
    stacked = manual_rotations(x)
    z0 = o.classify(o.peers[0], stacked)[1]
    z1 = o.classify(o.peers[1], stacked)[1]
    assert losses['peer1.loss_kl_p'].item() == pytest.approx(kl_div_with_temperature(z1, z0, 3.0).item(), rel=1e-5)


def test_export_drops_every_branch(teacher_ckpt):
    d = HSSAKDDistiller(
        student=r('resnet8'), teacher=dict(type='SSADNet', student=r('resnet14')), teacher_ckpt=teacher_ckpt
    )
    state = d.state_dict()
    assert any(k.startswith('branches.') for k in state)
    exported = extract_student(state)
    assert set(exported) == set(d.student.state_dict())
    o = OnlineHSSAKD(peers=[r('resnet8'), r('resnet14')])
    exported = extract_student(o.state_dict(), peer=1)
    assert set(exported) == set(o.peers[1].state_dict())


def test_branch_accuracy_metric_reads_predictions():
    from mmkd.evaluation import BranchAccuracy

    net = SSADNet(student=r('resnet8')).eval()
    x, samples = batch()
    preds = net(x, samples, mode='predict')
    stacked = manual_rotations(x)
    feats, _ = net.classify(net.student, stacked)
    joint = torch.tensor([int(s.gt_label) * 4 + j for s in samples for j in range(4)])
    expected = [(z.argmax(1) == joint).float().mean().item() * 100 for z in net.branches(feats)[1]]
    metric = BranchAccuracy()
    metric.process(None, [p.to_dict() for p in preds])
    result = metric.compute_metrics(metric.results)
    assert [result[f'joint_acc{i}'] for i in range(3)] == pytest.approx(expected)


def test_short_training_run_reduces_the_loss(fashion_root):
    """A real (small) training run of the single-network SSAD model on generated images."""
    from mmkd.datasets import FashionMNISTIDX

    torch.manual_seed(0)
    ds = FashionMNISTIDX(data_root=fashion_root, split='train', num_samples=128, lazy_init=False)
    imgs = torch.stack([torch.from_numpy(np.array(ds.get_data_info(i)['img'])) for i in range(len(ds))])
    x = F.interpolate(imgs[:, None].float().repeat(1, 3, 1, 1) / 255, size=32)
    y = torch.tensor([ds.get_data_info(i)['gt_label'] for i in range(len(ds))])
    net = SSADNet(student=clf(dict(type='CIFARResNet', arch='resnet8'), 64, num_classes=10))
    wrapper = build_optim_wrapper(
        net, dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9), constructor='DistillOptimWrapperConstructor')
    )
    net.train()

    def epoch_loss(update):
        total = 0.0
        for i in range(0, 128, 32):
            samples = [DataSample().set_gt_label(int(v)) for v in y[i : i + 32]]
            loss = sum(net(x[i : i + 32], samples, mode='loss').values())
            if update:
                wrapper.update_params(loss)
            total += loss.item()
        return total

    first = epoch_loss(update=True)
    for _ in range(5):
        last = epoch_loss(update=True)
    assert last < 0.8 * first
