"""MixSKD: mixup metadata, every loss term against a formula written here, stop-gradients,
discriminator training, export, evaluation and a short real run."""

import copy
import glob
import json
import os.path as osp

import pytest
import torch
from conftest import REPO, make_fashion_like, run_tool
from mmengine.config import Config
from mmengine.optim import OptimWrapperDict, build_optim_wrapper
from mmpretrain.structures import DataSample

import mmkd.models.distillers.mixskd  # noqa: F401  (registers MixSKDDistiller and its modules)
from mmkd.apis import export_student, extract_student
from mmkd.models.distillers import build_classifier
from mmkd.models.distillers.mixskd import MixSKDDistiller
from mmkd.models.heads.feature_discriminator import FeatureDiscriminator
from mmkd.models.heads.self_teacher import SelfTeacher

N = 5  # classes
T = 3.0


def clf(backbone=None, channels=64, num_classes=N):
    backbone = backbone or dict(type='ResNet_CIFAR', depth=18, base_channels=8, stem_channels=8)
    return dict(
        type='ImageClassifier',
        backbone=backbone,
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='LinearClsHead', num_classes=num_classes, in_channels=channels, loss=dict(type='CrossEntropyLoss')
        ),
    )


def build(**kwargs):
    torch.manual_seed(0)
    return MixSKDDistiller(student=clf(), **kwargs)


def batch(n=6, size=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, size, size, generator=g), [DataSample().set_gt_label(i % N) for i in range(n)]


def labels_of(samples):
    return torch.tensor([int(s.gt_label) for s in samples])


class Capture:
    """Forward hooks recording what the distiller actually computed in one loss call."""

    def __init__(self, d):
        self.d = d
        self.handles = [
            d.student.backbone.register_forward_pre_hook(self._input),
            d.student.backbone.register_forward_hook(self._stages),
            d.student.head.register_forward_hook(self._logits),
            d.branches.register_forward_hook(self._branches),
        ]
        if d.self_teacher is not None:
            self.teacher_out = []
            self.handles.append(d.self_teacher.register_forward_hook(lambda m, i, o: self.teacher_out.append(o)))

    def _input(self, m, args):
        self.input = args[0]

    def _stages(self, m, args, out):
        self.stages = out

    def _logits(self, m, args, out):
        self.logits = out

    def _branches(self, m, args, out):
        self.branch_feats, self.branch_logits = out

    @property
    def feats(self):  # F_1..F_K (branch maps, then the last backbone stage)
        return list(self.branch_feats) + [self.stages[-1]]

    @property
    def exit_logits(self):  # z_1..z_K
        return list(self.branch_logits) + [self.logits]

    def remove(self):
        for h in self.handles:
            h.remove()


def fixed_mix(d, lam, index):
    """Make ``d.mix`` use a given (lam, index); the mixed batch is built here, independently."""

    def mix(x):
        return lam * x + (1 - lam) * x[index], lam, index

    d.mix = mix


# ------------------------------------------------------------------ independent formulas
def ce(z, y):
    return -torch.log_softmax(z, 1)[torch.arange(len(y)), y].mean()


def mix_ce(z, y, lam, index):
    return lam * ce(z, y) + (1 - lam) * ce(z, y[index])


def kd(s, t, tau=T):
    p_t = torch.softmax(t / tau, 1)
    return tau**2 * (p_t * (torch.log(p_t) - torch.log_softmax(s / tau, 1))).sum(1).mean()


def interp(a, lam, index):
    return lam * a + (1 - lam) * a[index]


def disc_bce(disc, real, fake):
    lin1, lin2 = disc.mlp[0], disc.mlp[2]
    g = torch.cat([real, fake]).mean((2, 3))
    logits = torch.relu(g @ lin1.weight.t() + lin1.bias) @ lin2.weight.t() + lin2.bias
    target = torch.zeros_like(logits)
    target[: len(real), 0] = 1
    target[len(real) :, 1] = 1
    p = torch.sigmoid(logits)
    return -(target * torch.log(p) + (1 - target) * torch.log(1 - p)).mean()


def self_teacher(st, maps):
    x = torch.cat(maps, 1)
    fused = torch.einsum('nchw,oc->nohw', x, st.fuse.weight[:, :, 0, 0])
    return fused.mean((2, 3)) @ st.fc.weight.t() + st.fc.bias


# ------------------------------------------------------------------ tests
def test_mixup_metadata_as_used_inside_the_distiller():
    d = build()
    x, samples = batch()
    seen = {}
    real_mix = d.mix

    def spy(inputs):
        seen['out'] = real_mix(inputs)
        return seen['out']

    d.mix = spy
    cap = Capture(d)
    d(x, samples, mode='loss')
    mixed, lam, index = seen['out']
    b = len(x)
    assert isinstance(lam, float) and 0 <= lam <= 1
    assert sorted(index.tolist()) == list(range(b))
    assert torch.equal(mixed, lam * x + (1 - lam) * x[index])
    assert cap.input.shape[0] == 2 * b  # one forward over cat([x, mixed])
    assert torch.equal(cap.input[:b], x) and torch.equal(cap.input[b:], mixed)

    d = build(lambda_per_sample=True)
    torch.manual_seed(3)
    mixed, lam, index = d.mix(x)
    assert lam.shape == (b,) and lam.unique().numel() > 1
    assert torch.equal(mixed, lam.view(-1, 1, 1, 1) * x + (1 - lam.view(-1, 1, 1, 1)) * x[index])


def test_every_loss_term_matches_its_formula():
    d = build(beta=2.0, gamma=3.0, mu=0.5, orig_ce_weight=2.0)
    x, samples = batch()
    y = labels_of(samples)
    lam, index = 0.3, torch.tensor([2, 0, 1, 5, 3, 4])
    fixed_mix(d, lam, index)
    cap = Capture(d)
    losses = d(x, samples, mode='loss')
    assert set(losses) == {
        'loss_cls',
        'loss_mixcls',
        'loss_feat',
        'loss_dis',
        'loss_b_logit',
        'loss_cls_h',
        'loss_f_logit',
    }
    b, K = len(x), 4
    feats, logits = cap.feats, cap.exit_logits
    assert len(feats) == len(logits) == K and all(f.shape == feats[-1].shape for f in feats)
    f_int = [interp(f[:b], lam, index) for f in feats]
    f_mix = [f[b:] for f in feats]
    z_int = [interp(z[:b], lam, index) for z in logits]
    z_mix = [z[b:] for z in logits]
    h_int = self_teacher(d.self_teacher, f_int)
    h_mix = self_teacher(d.self_teacher, f_mix)
    expected = dict(
        loss_cls=2.0 * sum(ce(z[:b], y) for z in logits),
        loss_mixcls=sum(mix_ce(z, y, lam, index) for z in z_mix),
        loss_feat=2.0 * sum(((a - m) ** 2).mean() for a, m in zip(f_int, f_mix)),
        loss_dis=3.0 * sum(disc_bce(dk, a, m) for dk, a, m in zip(d.discriminators, f_int, f_mix)),
        loss_b_logit=0.5 * sum(kd(a, m) + kd(m, a) for a, m in zip(z_int[:-1], z_mix[:-1])),
        loss_cls_h=0.5 * (mix_ce(h_int, y, lam, index) + mix_ce(h_mix, y, lam, index)),
        loss_f_logit=0.5 * (kd(z_int[-1], h_mix) + kd(z_mix[-1], h_int)),
    )
    for key, value in expected.items():
        assert losses[key].item() == pytest.approx(value.item(), rel=1e-4, abs=1e-6), key
    # the self-teacher saw the interpolated maps and the mixup maps, in that order
    assert torch.allclose(cap.teacher_out[0], h_int, atol=1e-5)
    assert torch.allclose(cap.teacher_out[1], h_mix, atol=1e-5)


def test_interpolation_is_in_logit_space_and_f_logit_is_cross_paired():
    d = build()
    x, samples = batch()
    lam, index = 0.35, torch.tensor([1, 2, 0, 4, 5, 3])
    fixed_mix(d, lam, index)
    cap = Capture(d)
    losses = d(x, samples, mode='loss')
    b = len(x)
    z_mix = [z[b:] for z in cap.exit_logits]
    z_int = [interp(z[:b], lam, index) for z in cap.exit_logits]
    logit_space = sum(kd(a, m) + kd(m, a) for a, m in zip(z_int[:-1], z_mix[:-1]))

    def kl(p, log_q):  # T^2 KL(p || q) with q given as log-probabilities
        return T**2 * (p * (torch.log(p) - log_q)).sum(1).mean()

    prob_space = 0  # the same terms with *probabilities* interpolated instead of logits
    for z, m in zip(cap.exit_logits[:-1], z_mix[:-1]):
        p_int = interp(torch.softmax(z[:b] / T, 1), lam, index)
        p_mix = torch.softmax(m / T, 1)
        prob_space = prob_space + kl(p_mix, torch.log(p_int)) + kl(p_int, torch.log(p_mix))
    assert losses['loss_b_logit'].item() == pytest.approx(logit_space.item(), rel=1e-4)
    assert abs(losses['loss_b_logit'].item() - prob_space.item()) > 1e-3 * abs(logit_space.item())

    h_int, h_mix = cap.teacher_out
    f_int = [interp(f[:b], lam, index) for f in cap.feats]
    assert torch.allclose(h_int, self_teacher(d.self_teacher, f_int), atol=1e-5)
    crossed = kd(z_int[-1], h_mix) + kd(z_mix[-1], h_int)
    straight = kd(z_int[-1], h_int) + kd(z_mix[-1], h_mix)
    assert losses['loss_f_logit'].item() == pytest.approx(crossed.item(), rel=1e-4)
    assert abs(crossed.item() - straight.item()) > 1e-3 * crossed.item()


def test_stop_gradients_only_on_kd_teachers():
    d = build()
    x, samples = batch()
    lam, index = 0.6, torch.tensor([3, 4, 5, 0, 1, 2])
    fixed_mix(d, lam, index)
    cap = Capture(d)
    losses = d(x, samples, mode='loss')
    b = len(x)
    z = cap.branch_logits[0]  # (2B, N): rows [:b] originals, [b:] mixup

    def grad(loss, wrt):
        return torch.autograd.grad(loss, wrt, retain_graph=True, allow_unused=True)

    # L_b_logit: each side is the student of one term and the detached teacher of the other
    def b_term(detach):
        zi, zm = interp(z[:b], lam, index), z[b:]
        sg = (lambda t: t.detach()) if detach else (lambda t: t)
        return kd(zi, sg(zm)) + kd(zm, sg(zi))

    only_branch0 = d.mu * b_term(True)
    ours = grad(losses['loss_b_logit'], z)[0]
    assert torch.allclose(ours, grad(only_branch0, z)[0], atol=1e-6)
    assert not torch.allclose(ours, grad(d.mu * b_term(False), z)[0], atol=1e-6)
    assert ours[:b].abs().sum() > 0 and ours[b:].abs().sum() > 0

    # L_f_logit: the self-teacher outputs are detached, the backbone logits are not
    st_params = list(d.self_teacher.parameters())
    assert all(g is None for g in grad(losses['loss_f_logit'], st_params))
    g_logits = grad(losses['loss_f_logit'], cap.logits)[0]
    assert g_logits[:b].abs().sum() > 0 and g_logits[b:].abs().sum() > 0

    # L_feature, L_dis, L_cls_h: gradients into both views and into the backbone
    f = cap.stages[1]  # a backbone stage feeding a branch
    for key in ('loss_feat', 'loss_dis', 'loss_cls_h'):
        g = grad(losses[key], f)[0]
        assert g is not None and g[:b].abs().sum() > 0 and g[b:].abs().sum() > 0, key
    for key in ('loss_feat', 'loss_dis'):
        g = grad(losses[key], cap.stages[-1])[0]
        assert g[:b].abs().sum() > 0 and g[b:].abs().sum() > 0, key
    assert all(g is not None and g.abs().sum() > 0 for g in grad(losses['loss_cls_h'], st_params))


def test_discriminator_trained_by_default_and_frozen_on_request():
    x, samples = batch()
    trained = build()
    sum(trained(x, samples, mode='loss').values()).backward()
    assert all(
        p.requires_grad and p.grad is not None and p.grad.abs().sum() > 0 for p in trained.discriminators.parameters()
    )
    opt = build_optim_wrapper(
        trained, dict(optimizer=dict(type='SGD', lr=0.1), constructor='DistillOptimWrapperConstructor')
    )
    in_opt = {id(p) for g in opt.optimizer.param_groups for p in g['params']}
    assert all(id(p) in in_opt for p in trained.discriminators.parameters())

    frozen = build(train_discriminator=False)
    cap = Capture(frozen)
    losses = frozen(x, samples, mode='loss')
    g = torch.autograd.grad(losses['loss_dis'], cap.stages[-1], retain_graph=True)[0]
    assert g.abs().sum() > 0  # the network still learns against the fixed random discriminators
    sum(losses.values()).backward()
    assert all(not p.requires_grad and p.grad is None for p in frozen.discriminators.parameters())
    assert any(k.startswith('discriminators.') for k in frozen.state_dict())  # registered, checkpointed
    opt = build_optim_wrapper(
        frozen, dict(optimizer=dict(type='SGD', lr=0.1), constructor='DistillOptimWrapperConstructor')
    )
    in_opt = {id(p) for g in opt.optimizer.param_groups for p in g['params']}
    assert not any(id(p) in in_opt for p in frozen.discriminators.parameters())


def test_grl_mode_reverses_the_network_gradient_only():
    x, samples = batch()
    lam, index = 0.4, torch.tensor([5, 4, 3, 2, 1, 0])
    grads = {}
    for mode in ('joint', 'grl'):
        d = build(
            disc_mode=mode,
            use_feature_l2=False,
            use_branch_logit_kd=False,
            use_self_teacher=False,
            use_task_mixup_ce=False,
        )
        fixed_mix(d, lam, index)
        cap = Capture(d)
        loss = d(x, samples, mode='loss')['loss_dis']
        params = list(d.discriminators.parameters())
        out = torch.autograd.grad(loss, [cap.stages[-1]] + params)
        grads[mode] = (out[0], out[1:], loss.item())
    assert grads['joint'][2] == pytest.approx(grads['grl'][2], rel=1e-6)
    assert torch.allclose(grads['grl'][0], -grads['joint'][0], atol=1e-7)
    assert grads['joint'][0].abs().sum() > 0
    for gj, gg in zip(grads['joint'][1], grads['grl'][1]):
        assert torch.allclose(gj, gg, atol=1e-7)


def test_ablation_switches_and_bad_input():
    x, samples = batch()
    y = labels_of(samples)
    plain = build(
        use_task_mixup_ce=False,
        use_feature_l2=False,
        use_discriminator=False,
        use_branch_logit_kd=False,
        use_self_teacher=False,
    )
    assert plain.self_teacher is None and plain.discriminators is None
    cap = Capture(plain)
    losses = plain(x, samples, mode='loss')
    assert set(losses) == {'loss_cls'} and cap.input.shape[0] == len(x)  # no mixup half at all
    assert losses['loss_cls'].item() == pytest.approx(sum(ce(z, y) for z in cap.exit_logits).item(), rel=1e-5)

    legacy = build(legacy_cifar_script=True)
    assert set(legacy(x, samples, mode='loss')) == {'loss_cls', 'loss_feat', 'loss_dis', 'loss_b_logit', 'loss_f_logit'}
    assert not any(p.requires_grad for p in legacy.self_teacher.parameters())

    last_only = build(self_teacher_stages=[-1])
    assert last_only.self_teacher_stages == [3]
    assert last_only.self_teacher.fuse.in_channels == last_only.self_teacher.fuse.out_channels == 64
    lam, index = 0.5, torch.tensor([1, 0, 3, 2, 5, 4])
    fixed_mix(last_only, lam, index)
    cap = Capture(last_only)
    last_only(x, samples, mode='loss')
    b = len(x)
    assert torch.allclose(cap.teacher_out[1], self_teacher(last_only.self_teacher, [cap.feats[-1][b:]]), atol=1e-5)

    assert MixSKDDistiller(student=clf(dict(type='WideResNet', depth=16, widen_factor=1), 64)).num_exits == 3

    with pytest.raises(ValueError, match='alternating.*train_discriminator=True'):
        build(disc_mode='alternating', train_discriminator=False)
    with pytest.raises(ValueError, match='disc_mode'):
        build(disc_mode='minmax')
    with pytest.raises(ValueError, match='self_teacher_stages'):
        build(self_teacher_stages=[4])
    with pytest.raises(ValueError, match='teacher'):
        build(teacher=clf(), teacher_ckpt='x.pth')
    with pytest.raises(ValueError, match='mixup_alpha'):
        build(mixup_alpha=0)


@pytest.mark.parametrize(
    'switches',
    [
        dict(),
        dict(legacy_cifar_script=True),
        dict(train_discriminator=False, disc_mode='grl'),
        dict(use_task_mixup_ce=False, use_feature_l2=False, use_discriminator=False, use_branch_logit_kd=False),
        dict(self_teacher_stages=[0]),
    ],
)
def test_every_trainable_parameter_gets_a_gradient(switches):
    """So DDP runs without find_unused_parameters in every mode."""
    d = build(**switches)
    x, samples = batch()
    sum(d(x, samples, mode='loss').values()).backward()
    unused = [n for n, p in d.named_parameters() if p.requires_grad and p.grad is None]
    assert not unused


def test_modules_shapes():
    st = SelfTeacher(in_channels=8, num_inputs=3, num_classes=4)
    maps = [torch.randn(2, 8, 5, 5) for _ in range(3)]
    assert st(maps).shape == (2, 4) and st.fuse.bias is None and st.fuse.in_channels == 24
    with pytest.raises(ValueError, match='3 feature maps'):
        st(maps[:2])
    disc = FeatureDiscriminator(8)
    assert [m.__class__.__name__ for m in disc.mlp] == ['Linear', 'ReLU', 'Linear']
    assert disc.mlp[0].out_features == 128 and disc.mlp[2].out_features == 2
    assert torch.allclose(disc(maps[0]), disc(maps[0].mean((2, 3))))
    with pytest.raises(ValueError, match='FeatureDiscriminator'):
        disc(torch.randn(2, 7))


def test_export_keeps_only_the_plain_student_and_predict_scores_the_backbone_exit():
    d = build()
    x, samples = batch()
    d.train()
    d(x, samples, mode='loss')  # move the BN statistics away from their init
    state = d.state_dict()
    assert any(k.startswith(('branches.', 'self_teacher.', 'discriminators.')) for k in state)
    student_state = extract_student(state)
    plain = build_classifier(clf())
    assert set(student_state) == set(plain.state_dict())
    assert not any(k.startswith(('branches', 'self_teacher', 'discriminators')) for k in student_state)
    plain.load_state_dict(student_state, strict=True)
    plain.eval()
    d.eval()

    preds = d(x, samples, mode='predict')
    with torch.no_grad():
        expected = torch.softmax(plain(x, mode='tensor'), 1)
        scores = torch.stack([p.pred_score for p in preds])
        assert torch.allclose(scores, expected, atol=1e-5)
        # the extra exits play no part: scrambling them leaves the predictions unchanged
        for p in list(d.branches.parameters()) + list(d.self_teacher.parameters()):
            p.add_(torch.randn_like(p))
        again = torch.stack([p.pred_score for p in d(x, samples, mode='predict')])
    assert torch.equal(scores, again)


def test_short_real_run_loss_goes_down_then_exports(tmp_path):
    data = make_fashion_like(str(tmp_path / 'data'), num_train=192, num_test=64, num_classes=10)
    work = str(tmp_path / 'work')
    cfg = tmp_path / 'mixskd_tiny.py'
    cfg.write_text(f'''
_base_ = ['{REPO}/configs/_base_/datasets/fashion_mnist.py', '{REPO}/configs/_base_/default_runtime.py']
custom_imports = dict(imports=['mmkd.models.distillers.mixskd'], allow_failed_imports=False)
model = dict(type='MixSKDDistiller',
             student=dict(type='ImageClassifier', backbone=dict(type='CIFARResNet', arch='resnet8'),
                          neck=dict(type='GlobalAveragePooling'),
                          head=dict(type='LinearClsHead', num_classes=10, in_channels=64,
                                    loss=dict(type='CrossEntropyLoss'))),
             mixup_alpha=0.4)
# no flip / crop: the generated classes are told apart by where their square is
train_dataloader = dict(batch_size=16, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root={data!r}, pipeline={{{{_base_.test_pipeline}}}}))
val_dataloader = dict(batch_size=64, num_workers=0, persistent_workers=False, dataset=dict(data_root={data!r}))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=5e-4),
                     constructor='DistillOptimWrapperConstructor')
param_scheduler = dict(type='ConstantLR', factor=1.0)
train_cfg = dict(by_epoch=True, max_epochs=4, val_interval=4)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=4, save_best=None))
randomness = dict(seed=0)
work_dir = {work!r}
''')
    run_tool('train.py', str(cfg))
    scalars = sorted(glob.glob(osp.join(work, '*', 'vis_data', 'scalars.json')))[-1]
    rows = [json.loads(line) for line in open(scalars)]
    train = [r for r in rows if 'loss' in r and 'loss_f_logit' in r]
    assert len(train) == 48
    for key in ('loss', 'loss_cls'):  # the total, and the CE of the exits on the original images
        first = sum(r[key] for r in train[:6]) / 6
        last = sum(r[key] for r in train[-6:]) / 6
        assert last < 0.7 * first, (key, first, last)
    acc = [r for r in rows if 'accuracy/top1' in r]
    assert acc and acc[-1]['accuracy/top1'] > 50  # the backbone exit; 10 classes: chance is 10

    out = str(tmp_path / 'student.pth')
    meta = export_student(osp.join(work, 'epoch_4.pth'), out)
    assert meta['prefix'] == 'student.'
    exported = torch.load(out, weights_only=True)['state_dict']
    plain = build_classifier(clf(dict(type='CIFARResNet', arch='resnet8'), 64, num_classes=10))
    plain.load_state_dict(exported, strict=True)


# ------------------------------------------------------------------ disc_mode='alternating'
ALTERNATING = 'configs/mixskd/mixskd-alternating_resnet18_1xb128-205e_cifar100.py'
NETWORK_TERMS = {'loss_cls', 'loss_mixcls', 'loss_feat', 'loss_b_logit', 'loss_cls_h', 'loss_f_logit', 'loss_adv'}


def alternating_wrappers(d, lr=0.1, **groups):
    groups = groups or dict(
        discriminators=dict(optimizer=dict(type='SGD', lr=lr)), network=dict(optimizer=dict(type='SGD', lr=lr))
    )
    return build_optim_wrapper(d, dict(constructor='MultiOptimWrapperConstructor', **groups))


def disc_bce_flipped(disc, real, fake):
    """``disc_bce`` with the targets swapped: real -> [0, 1], fake -> [1, 0]."""
    lin1, lin2 = disc.mlp[0], disc.mlp[2]
    g = torch.cat([real, fake]).mean((2, 3))
    logits = torch.relu(g @ lin1.weight.t() + lin1.bias) @ lin2.weight.t() + lin2.bias
    target = torch.zeros_like(logits)
    target[: len(real), 1] = 1
    target[len(real) :, 0] = 1
    p = torch.sigmoid(logits)
    return -(target * torch.log(p) + (1 - target) * torch.log(1 - p)).mean()


def test_alternating_terms_flip_the_labels_for_the_network_and_detach_for_the_discriminators():
    x, samples = batch()
    lam, index = 0.3, torch.tensor([2, 0, 1, 5, 3, 4])
    d = build(disc_mode='alternating', loss_dis=dict(loss_weight=3.0))
    fixed_mix(d, lam, index)
    cap = Capture(d)
    losses = d(x, samples, mode='loss')
    assert set(losses) == NETWORK_TERMS | {'loss_dis'}
    b = len(x)
    f_int = [interp(f[:b], lam, index) for f in cap.feats]
    f_mix = [f[b:] for f in cap.feats]
    dis = 3.0 * sum(disc_bce(dk, a, m) for dk, a, m in zip(d.discriminators, f_int, f_mix))
    adv = 3.0 * sum(disc_bce_flipped(dk, a, m) for dk, a, m in zip(d.discriminators, f_int, f_mix))
    assert losses['loss_dis'].item() == pytest.approx(dis.item(), rel=1e-5)
    assert losses['loss_adv'].item() == pytest.approx(adv.item(), rel=1e-5)
    # loss_dis reaches the discriminators only; loss_adv reaches the network (not as -loss_dis, 'grl''s sign)
    f = cap.stages[-1]
    assert torch.autograd.grad(losses['loss_dis'], f, retain_graph=True, allow_unused=True)[0] is None
    g_adv = torch.autograd.grad(losses['loss_adv'], f, retain_graph=True)[0]
    g_minmax = -torch.autograd.grad(dis, f, retain_graph=True)[0]
    assert g_adv[:b].abs().sum() > 0 and g_adv[b:].abs().sum() > 0
    assert not torch.allclose(g_adv, g_minmax, atol=1e-6)

    joint = build(loss_dis=dict(loss_weight=3.0))  # the same seed: the other terms are untouched
    fixed_mix(joint, lam, index)
    joint_losses = joint(x, samples, mode='loss')
    for key in NETWORK_TERMS - {'loss_adv'}:
        assert torch.equal(losses[key], joint_losses[key]), key


def test_alternating_train_step_steps_the_discriminators_then_the_network():
    x, samples = batch()
    lam, index = 0.6, torch.tensor([3, 4, 5, 0, 1, 2])
    d = build(disc_mode='alternating')
    fixed_mix(d, lam, index)
    wrappers = alternating_wrappers(d)
    assert isinstance(wrappers, OptimWrapperDict) and set(wrappers.keys()) == {'discriminators', 'network'}
    names = {n for n, _ in d.named_parameters()}
    disc = {n for n in names if n.startswith('discriminators.')}
    steps = []

    def spy(key):
        wrapper, step = wrappers[key], wrappers[key].step

        def recorded(**kwargs):
            before = {n: p.detach().clone() for n, p in d.named_parameters()}
            graded = {n for n, p in d.named_parameters() if p.grad is not None}
            step(**kwargs)
            changed = {n for n, p in d.named_parameters() if not torch.equal(p, before[n])}
            steps.append((key, graded, changed))

        wrapper.step = recorded

    spy('discriminators'), spy('network')
    disc_before = copy.deepcopy(d.discriminators)
    cap = Capture(d)
    log_vars = d.train_step(dict(inputs=x, data_samples=samples), wrappers)
    assert [key for key, _, _ in steps] == ['discriminators', 'network']
    (_, d_graded, d_changed), (_, n_graded, n_changed) = steps
    assert d_graded == disc and d_changed == disc  # detached maps: no gradient reaches the network
    assert n_graded == names - disc and not n_changed & disc  # frozen discriminators during the network step
    assert all(any(n.startswith(m) for n in n_changed) for m in ('student.', 'branches.', 'self_teacher.'))
    assert all(p.requires_grad for p in d.discriminators.parameters())

    assert set(log_vars) == NETWORK_TERMS | {'loss', 'loss_dis'}
    assert log_vars['loss'].item() == pytest.approx(sum(log_vars[k].item() for k in NETWORK_TERMS), rel=1e-6)
    b = len(x)
    f_int = [interp(f[:b], lam, index) for f in cap.feats]
    f_mix = [f[b:] for f in cap.feats]
    dis = sum(disc_bce(dk, a, m) for dk, a, m in zip(disc_before, f_int, f_mix))
    adv = sum(disc_bce_flipped(dk, a, m) for dk, a, m in zip(d.discriminators, f_int, f_mix))
    assert log_vars['loss_dis'].item() == pytest.approx(dis.item(), rel=1e-5)  # the discriminators before their step
    assert log_vars['loss_adv'].item() == pytest.approx(adv.item(), rel=1e-5)  # ... and after it
    assert abs(adv.item() - sum(disc_bce_flipped(dk, a, m) for dk, a, m in zip(disc_before, f_int, f_mix))) > 1e-6


def test_alternating_needs_its_two_wrappers_and_the_constructor_explains_its_groups():
    x, samples = batch()
    data = dict(inputs=x, data_samples=samples)
    d = build(disc_mode='alternating')
    single = build_optim_wrapper(
        d, dict(optimizer=dict(type='SGD', lr=0.1), constructor='DistillOptimWrapperConstructor')
    )
    with pytest.raises(ValueError, match="optimizers of their own.*constructor='MultiOptimWrapperConstructor'"):
        d.train_step(data, single)
    student_only = alternating_wrappers(
        d, discriminators=dict(optimizer=dict(type='SGD', lr=0.1)), generator=dict(optimizer=dict(type='SGD', lr=0.1))
    )
    with pytest.raises(ValueError, match=r"'discriminators' and 'network', got \['discriminators', 'generator'\]"):
        d.train_step(data, student_only)

    sgd = dict(optimizer=dict(type='SGD', lr=0.1))
    with pytest.raises(ValueError, match=r"\['discriminator', 'network'\] name no submodule.*discriminators"):
        alternating_wrappers(d, discriminator=sgd, network=sgd)  # a typo: the rest would be taken twice
    with pytest.raises(ValueError, match='trainable parameters are in no group.*branches'):
        alternating_wrappers(d, discriminators=sgd, student=sgd)
    with pytest.raises(ValueError, match="'student.head' is in the groups 'student' and 'student.head'|student.head"):
        alternating_wrappers(d, student=sgd, **{'student.head': sgd}, network=sgd)
    with pytest.raises(ValueError, match="group 'discriminators' has no trainable parameters"):
        alternating_wrappers(build(train_discriminator=False), discriminators=sgd, network=sgd)
    multi = dict(constructor='MultiOptimWrapperConstructor', network=sgd)
    with pytest.raises(ValueError, match='optim_wrapper.optimizer is not a group.*_delete_=True'):
        build_optim_wrapper(d, dict(multi, optimizer=sgd['optimizer']))  # a base's single optimizer, kept
    with pytest.raises(ValueError, match='paramwise_cfg inside each group'):
        build_optim_wrapper(d, dict(multi, paramwise_cfg=dict()))

    # frozen modules go to no optimizer; a group's paramwise_cfg works as usual
    legacy = build(disc_mode='alternating', legacy_cifar_script=True)  # the self-teacher is frozen there
    wrappers = alternating_wrappers(
        legacy,
        discriminators=sgd,
        network=dict(optimizer=dict(type='SGD', lr=0.1, weight_decay=5e-4), paramwise_cfg=dict(norm_decay_mult=0.0)),
    )
    ids = {k: {id(p) for g in w.optimizer.param_groups for p in g['params']} for k, w in wrappers.items()}
    trainable = {id(p) for p in legacy.parameters() if p.requires_grad}
    assert ids['discriminators'] == {id(p) for p in legacy.discriminators.parameters()}
    assert ids['network'] == trainable - ids['discriminators']
    assert not ids['network'] & {id(p) for p in legacy.self_teacher.parameters()}
    decay = {id(p): g['weight_decay'] for g in wrappers['network'].optimizer.param_groups for p in g['params']}
    assert decay[id(legacy.student.backbone.bn1.weight)] == 0.0
    assert decay[id(legacy.student.backbone.conv1.weight)] == 5e-4


def test_alternating_config_runs_two_iterations_through_the_runner(tmp_path):
    from mmengine.runner import Runner

    from mmkd.apis.config import finalize_config

    shipped = finalize_config(Config.fromfile(osp.join(REPO, ALTERNATING)))  # as tools/train.py resolves it
    assert shipped.model.disc_mode == 'alternating'
    data = make_fashion_like(str(tmp_path / 'data'), num_train=32, num_test=16, num_classes=10)
    work = str(tmp_path / 'work')
    cfg = tmp_path / 'mixskd_alternating_tiny.py'
    # the shipped optimizer wrappers and schedulers (resolved for its 205 epochs) on a 2-iteration run
    cfg.write_text(f"""
_base_ = ['{REPO}/configs/_base_/datasets/fashion_mnist.py', '{REPO}/configs/_base_/default_runtime.py']
model = dict(type='MixSKDDistiller', disc_mode='alternating',
             student=dict(type='ImageClassifier', backbone=dict(type='CIFARResNet', arch='resnet8'),
                          neck=dict(type='GlobalAveragePooling'),
                          head=dict(type='LinearClsHead', num_classes=10, in_channels=64,
                                    loss=dict(type='CrossEntropyLoss'))))
train_dataloader = dict(batch_size=16, num_workers=0, persistent_workers=False, dataset=dict(data_root={data!r}))
val_dataloader = dict(batch_size=16, num_workers=0, persistent_workers=False, dataset=dict(data_root={data!r}))
test_dataloader = val_dataloader
optim_wrapper = {shipped.optim_wrapper.to_dict()!r}
param_scheduler = {shipped.param_scheduler!r}
train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=1)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(logger=dict(interval=1))
randomness = dict(seed=0)
work_dir = {work!r}
""")
    runner = Runner.from_cfg(Config.fromfile(str(cfg)))
    runner.train()
    assert isinstance(runner.optim_wrapper, OptimWrapperDict)
    assert set(runner.param_schedulers) == {'discriminators', 'network'}
    for key, schedulers in runner.param_schedulers.items():
        assert [type(s).__name__ for s in schedulers] == ['LinearLR', 'MultiStepLR'], key
        # 2 steps into the warm-up of 5 epochs x 2 iterations (mmengine's LinearLR reaches 1 after 9 steps)
        lr = runner.optim_wrapper[key].optimizer.param_groups[0]['lr']
        assert lr == pytest.approx(0.1 * (1e-3 + (1 - 1e-3) * 2 / 9), rel=1e-6), key
    scalars = sorted(glob.glob(osp.join(work, '*', 'vis_data', 'scalars.json')))[-1]
    rows = [json.loads(line) for line in open(scalars)]
    train = [r for r in rows if 'loss_adv' in r]
    assert len(train) == 2 and all('loss_dis' in r and 'discriminators.lr' in r and 'network.lr' in r for r in train)
    state = torch.load(osp.join(work, 'epoch_1.pth'), weights_only=False)
    assert set(state['optimizer']) == {'discriminators', 'network'}
