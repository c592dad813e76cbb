"""Loss terms: every distiller built from registered losses gives, with its old keywords and with the
new terms, the same losses and gradients bit for bit; build_loss's merging rules; swapping a term."""

import warnings

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample

import mmkd.models  # noqa: F401  (registers the distillers and the losses)
from mmkd.models.distillers import (
    DMLDistiller,
    HSSAKDDistiller,
    KDDistiller,
    MixSKDDistiller,
    OnlineHSSAKD,
    SSADNet,
    SSKDDistiller,
    SSKDTeacher,
    SSSDDistiller,
)
from mmkd.models.distillers.base import allow_missing_checkpoints
from mmkd.models.distillers.sskd import LOSS_WEIGHT_PRESETS
from mmkd.models.losses import HeadLoss, KLDivergence, WeightedLoss, build_loss, merge_loss_cfg, split_weight
from mmkd.registry import MODELS

NUM_CLASSES = 5


@MODELS.register_module()
class HalfKL(WeightedLoss):
    """A test term: half of the plain KL (tau 1)."""

    def compute(self, s, t):
        return 0.5 * F.kl_div(F.log_softmax(s, 1), F.log_softmax(t.detach(), 1), reduction='batchmean', log_target=True)


def clf(depth=8, base=4):
    return dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet_CIFAR', depth=18, base_channels=base, stem_channels=base, in_channels=3),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='LinearClsHead', num_classes=NUM_CLASSES, in_channels=base * 8, loss=dict(type='CrossEntropyLoss')
        ),
    )


def batch(n=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, 32, 32, generator=g)
    y = torch.randint(0, NUM_CLASSES, (n,), generator=g)
    return x, [DataSample(metainfo=dict(sample_idx=i)).set_gt_label(int(v)) for i, v in enumerate(y)]


def build(cls, **kwargs):
    torch.manual_seed(0)
    with warnings.catch_warnings(), allow_missing_checkpoints():
        warnings.simplefilter('ignore')
        return cls(**kwargs).train()


def run(model, seed=0):
    x, samples = batch(seed=seed)
    torch.manual_seed(1)
    losses = model.loss(x, samples)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    grads = {n: p.grad for n, p in model.named_parameters() if p.grad is not None}
    return {k: v.detach() for k, v in losses.items()}, grads


def assert_same(a, b):
    (la, ga), (lb, gb) = a, b
    assert la.keys() == lb.keys() and ga.keys() == gb.keys() and ga
    assert all(torch.equal(la[k], lb[k]) for k in la)
    assert all(torch.equal(ga[k], gb[k]) for k in ga)


def sskd_teacher_ckpt(tmp_path):
    torch.manual_seed(2)
    path = str(tmp_path / 'stage1.pth')
    teacher = SSKDTeacher(classifier=clf(base=8), ss_head=dict(type='SSProjectionHead'))
    torch.save(dict(state_dict=teacher.state_dict()), path)
    return path


def hssakd_teacher_ckpt(tmp_path):
    torch.manual_seed(2)
    path = str(tmp_path / 'ssad.pth')
    torch.save(dict(state_dict=SSADNet(student=clf(base=8)).state_dict()), path)
    return path


# name -> (class, common kwargs factory, old keywords, the same as terms)
CASES = {
    'kd': (
        KDDistiller,
        lambda tmp: dict(student=clf(), teacher=clf(base=8)),
        dict(tau=2.0, ce_weight=0.1, kd_weight=0.9),
        dict(loss_ce=dict(loss_weight=0.1), loss_kd=dict(tau=2.0, loss_weight=0.9)),
    ),
    'dml': (
        DMLDistiller,
        lambda tmp: dict(peers=[clf(), clf(base=8)]),
        dict(tau=2.0, ce_weight=0.5, kl_weight=0.7),
        dict(loss_ce=dict(loss_weight=0.5), loss_kl=dict(type='KLDivergence', tau=2.0, loss_weight=0.7)),
    ),
    'hssakd': (
        HSSAKDDistiller,
        lambda tmp: dict(
            student=clf(), teacher=dict(type='SSADNet', student=clf(base=8)), teacher_ckpt=hssakd_teacher_ckpt(tmp)
        ),
        dict(tau=2.0, ce_weight=0.3, kl_q_weight=0.6, kl_p_weight=0.9),
        dict(
            loss_ce=dict(loss_weight=0.3),
            loss_kl_q=dict(tau=2.0, loss_weight=0.6),
            loss_kl_p=dict(type='KLDivergence', tau=2.0, loss_weight=0.9),
        ),
    ),
    'hssakd-online': (
        OnlineHSSAKD,
        lambda tmp: dict(peers=[clf(), clf()]),
        dict(tau=2.0),
        dict(loss_kl_q=dict(tau=2.0), loss_kl_p=dict(tau=2.0)),
    ),
    'sskd': (
        SSKDDistiller,
        lambda tmp: dict(
            student=clf(),
            teacher=dict(type='SSKDTeacher', classifier=clf(base=8), ss_head=dict(type='SSProjectionHead')),
            teacher_ckpt=sskd_teacher_ckpt(tmp),
        ),
        dict(loss_weights='arxiv', temperatures=dict(kd=3.0, ss=0.7), selective_ratios=dict(tf=0.5)),
        dict(
            loss_tf=dict(loss_weight=10.0, ratio=0.5),
            loss_ss=dict(loss_weight=2.7, tau=0.7),
            loss_kd=dict(tau=3.0),
        ),
    ),
    'mixskd': (
        MixSKDDistiller,
        lambda tmp: dict(student=clf()),
        dict(temperature=2.0, beta=2.0, gamma=3.0, mu=0.5, orig_ce_weight=2.0),
        dict(
            loss_cls=dict(loss_weight=2.0),
            loss_feat=dict(loss_weight=2.0),
            loss_dis=dict(loss_weight=3.0),
            loss_b_logit=dict(tau=2.0, loss_weight=0.5),
            loss_cls_h=dict(loss_weight=0.5),
            loss_f_logit=dict(tau=2.0, loss_weight=0.5),
        ),
    ),
    'sssd': (
        SSSDDistiller,
        lambda tmp: dict(student=clf(), probe_size=32),
        dict(alpha=0.4, feat_weight=0.01, tau=2.0, feat_reduction='pooled'),
        dict(
            loss_ce_exits=dict(loss_weight=1 - 0.4),
            loss_kd=dict(tau=2.0, loss_weight=0.4),
            loss_feat=dict(type='FeatureHint', reduction='pooled', loss_weight=0.01),
        ),
    ),
}


@pytest.mark.parametrize('name', sorted(CASES))
def test_old_keywords_and_terms_agree_bitwise(name, tmp_path):
    cls, common, old, new = CASES[name]
    base = common(tmp_path)
    assert_same(run(build(cls, **base, **old)), run(build(cls, **base, **new)))


def test_kd_default_terms_and_head_loss_swap():
    kd = build(KDDistiller, student=clf(), teacher=clf(base=8))
    assert isinstance(kd.loss_ce, HeadLoss) and kd.loss_ce.loss_module is kd.student.head.loss_module
    assert (kd.loss_kd.tau, kd.loss_kd.loss_weight, kd.tau) == (4.0, 1.0, 4.0)
    # mmpretrain's CrossEntropyLoss(loss_weight=w) is the default head loss weighted w, bit for bit
    a = run(build(KDDistiller, student=clf(), teacher=clf(base=8), loss_ce=dict(loss_weight=0.1)))
    b = run(
        build(KDDistiller, student=clf(), teacher=clf(base=8), loss_ce=dict(type='CrossEntropyLoss', loss_weight=0.1))
    )
    assert_same(a, b)


def test_documented_defaults():
    from mmkd.models.distillers import mixskd, sssd
    from mmkd.models.distillers import sskd as sskd_mod

    assert mixskd.MIXSKD_LOSSES['loss_b_logit'] == dict(type='KLDivergence', tau=3.0, loss_weight=1.0)
    assert sskd_mod.SSKD_LOSSES['loss_ss'] == dict(type='SelectiveKLDivergence', tau=0.5, ratio=0.75, loss_weight=10.0)
    assert {k: v for k, v in LOSS_WEIGHT_PRESETS['code'].items()} == {
        k[5:]: v['loss_weight'] for k, v in sskd_mod.SSKD_LOSSES.items()
    }
    assert sssd.LOSS_KD == dict(type='KLDivergence', tau=3.0, loss_weight=0.3) and sssd.LOSS_CE_EXITS_WEIGHT == 1 - 0.3
    m = build(MixSKDDistiller, student=clf())
    assert (m.tau, m.temperature, m.mu, m.beta, m.gamma, m.orig_ce_weight) == (3.0, 3.0, 1.0, 1.0, 1.0, 1.0)
    s = build(SSSDDistiller, student=clf(), probe_size=32)
    assert (s.alpha, s.tau, s.feat_weight, s.feat_reduction) == (0.3, 3.0, 0.003, 'sum')
    assert s.loss_ce_exits.loss_weight == 1 - 0.3 and s.loss_kd.detach_target
    o = build(OnlineHSSAKD, peers=[clf(), clf()])
    assert (o.loss_kl_q.tau, o.loss_kl_p.tau, o.loss_aux.tau) == (3.0, 3.0, 1.0)


def test_build_loss_merging_rules():
    default = dict(type='KLDivergence', tau=4.0, loss_weight=1.0)
    assert merge_loss_cfg(None, default) == default
    assert merge_loss_cfg(dict(loss_weight=0.5), default) == dict(type='KLDivergence', tau=4.0, loss_weight=0.5)
    assert merge_loss_cfg(dict(type='HalfKL'), default) == dict(type='HalfKL')
    kl = build_loss(dict(loss_weight=0.5), default)
    assert isinstance(kl, KLDivergence) and (kl.tau, kl.loss_weight) == (4.0, 0.5)
    assert type(build_loss(dict(type='CrossEntropyLoss'), default)).__name__ == 'CrossEntropyLoss'  # mmpretrain's
    assert default == dict(type='KLDivergence', tau=4.0, loss_weight=1.0)  # not modified
    w, fn = split_weight(kl)
    assert w == 0.5 and fn == kl.compute
    ce = build_loss(dict(type='CrossEntropyLoss', loss_weight=0.2), default)
    assert split_weight(ce) == (1.0, ce)


def test_swapping_a_term_changes_only_that_term():
    common = dict(student=clf(), teacher=clf(base=8))
    (la, _), (lb, _) = run(build(KDDistiller, **common)), run(build(KDDistiller, **common, loss_kd=dict(type='HalfKL')))
    assert torch.equal(la['loss_ce'], lb['loss_ce']) and not torch.equal(la['loss_kd'], lb['loss_kd'])
    m0, m1 = (
        build(MixSKDDistiller, student=clf()),
        build(MixSKDDistiller, student=clf(), loss_f_logit=dict(type='HalfKL')),
    )
    (la, _), (lb, _) = run(m0), run(m1)
    changed = {k for k in la if not torch.equal(la[k], lb[k])}
    assert changed == {'loss_f_logit'}


def test_aliases_warn_and_conflicts_error(tmp_path):
    common = dict(student=clf(), teacher=clf(base=8))
    with allow_missing_checkpoints(), pytest.warns(DeprecationWarning, match=r'set loss_kd=dict\(tau=...\)'):
        assert KDDistiller(**common, tau=2.0).tau == 2.0
    with allow_missing_checkpoints(), pytest.warns(DeprecationWarning, match='loss_cls'):
        MixSKDDistiller(student=clf(), orig_ce_weight=2.0)
    with allow_missing_checkpoints(), pytest.raises(ValueError, match=r'tau=2.0 and loss_kd.tau=3.0'):
        KDDistiller(**common, tau=2.0, loss_kd=dict(tau=3.0))
    with pytest.raises(ValueError, match=r'mu=0.5 and loss_cls_h.loss_weight=2.0'):
        MixSKDDistiller(student=clf(), mu=0.5, loss_cls_h=dict(loss_weight=2.0))
    with pytest.raises(ValueError, match=r'alpha=0.4 and loss_kd.loss_weight=0.5'):
        SSSDDistiller(student=clf(), probe_size=32, alpha=0.4, loss_kd=dict(loss_weight=0.5))
    # a term at its default value (as a base config spells it out) gives way to an older keyword
    with allow_missing_checkpoints(), pytest.warns(DeprecationWarning):
        assert KDDistiller(**common, tau=2.0, loss_kd=dict(type='KLDivergence', tau=4.0)).tau == 2.0
