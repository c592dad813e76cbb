"""SSKD: similarity matrix, selective transfer, loss terms, the two stages' freezing, export, real runs."""

import math
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from conftest import REPO
from mmengine.optim import build_optim_wrapper
from mmpretrain.structures import DataSample

import mmkd.models  # noqa: F401
from mmkd.apis.export import export_student, extract_student
from mmkd.models.distillers import build_classifier
from mmkd.models.distillers.sskd import SSKDDistiller, SSKDTeacher, sskd_copies
from mmkd.models.heads.ss_projection_head import SSProjectionHead, contrastive_similarity, contrastive_targets
from mmkd.models.losses.sskd_losses import error_levels, masked_kl_div, selective_transfer_mask
from mmkd.models.utils import batch_augments, jigsaw_stack
from mmkd.models.utils.batch_augments import colour_drop, colour_jitter, random_resized_crop, random_rotation

NUM_CLASSES = 4
PREPROCESSOR = dict(
    type='ClsDataPreprocessor', num_classes=NUM_CLASSES, mean=[120.0, 110.0, 100.0], std=[60.0, 55.0, 50.0]
)


def classifier(depth=8, base=4, num_classes=NUM_CLASSES):
    return dict(
        type='ImageClassifier',
        backbone=dict(type='CIFARResNet', depth=depth, base_channels=base, stem_channels=base),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='LinearClsHead', num_classes=num_classes, in_channels=base * 4, loss=dict(type='CrossEntropyLoss')
        ),
    )


def save_state(module, path):
    torch.save({'state_dict': module.state_dict()}, path)
    return str(path)


def samples(labels):
    return [DataSample().set_gt_label(int(y)) for y in labels]


def sgd(model, lr=0.1):
    return build_optim_wrapper(
        model,
        dict(
            optimizer=dict(type='SGD', lr=lr, momentum=0.9, weight_decay=5e-4),
            constructor='DistillOptimWrapperConstructor',
        ),
    )


@pytest.fixture(scope='module')
def classifier_ckpt(tmp_path_factory):
    """A random teacher classifier whose BN statistics are those of real inputs (diverse features)."""
    torch.manual_seed(3)
    model = build_classifier(classifier(depth=14, base=8)).train()
    with torch.no_grad():
        for _ in range(5):
            model(torch.randn(32, 3, 16, 16) * 2, mode='tensor')
    return save_state(model, tmp_path_factory.mktemp('sskd') / 'classifier.pth')


@pytest.fixture(scope='module')
def teacher_ckpt(classifier_ckpt, tmp_path_factory):
    torch.manual_seed(4)
    stage1 = SSKDTeacher(student=classifier(depth=14, base=8), classifier_ckpt=classifier_ckpt)
    return save_state(stage1, tmp_path_factory.mktemp('sskd') / 'stage1.pth')


def distiller(teacher_ckpt, **kwargs):
    torch.manual_seed(5)
    return SSKDDistiller(
        student=classifier(),
        teacher=dict(type='SSKDTeacher', student=classifier(depth=14, base=8)),
        teacher_ckpt=teacher_ckpt,
        data_preprocessor=PREPROCESSOR,
        **kwargs,
    )


# ----------------------------------------------------------------------------- similarity
def test_similarity_matrix_and_targets_match_explicit_loop():
    torch.manual_seed(0)
    n, m, d = 3, 4, 5
    z = torch.randn(n * m, d, dtype=torch.float64)
    sim = contrastive_similarity(z, m)
    target = contrastive_targets(n, m)
    assert sim.shape == (n * (m - 1), n) and target.shape == (n * (m - 1),)
    for i in range(n):
        for r in range(1, m):
            row = (m - 1) * i + r - 1
            assert target[row].item() == i
            for k in range(n):
                a, b = z[m * i + r].tolist(), z[m * k].tolist()
                cos = sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))
                assert sim[row, k].item() == pytest.approx(cos, abs=1e-12)
    with pytest.raises(ValueError, match='num_transforms >= 2'):
        contrastive_similarity(z, 1)


def test_projection_head_is_two_layer_mlp():
    head = SSProjectionHead(in_channels=6)
    kinds = [type(layer) for layer in head.layers]
    assert kinds == [torch.nn.Linear, torch.nn.ReLU, torch.nn.Linear]
    x = torch.randn(2, 6)
    expected = F.linear(
        F.relu(F.linear(x, head.layers[0].weight, head.layers[0].bias)), head.layers[2].weight, head.layers[2].bias
    )
    assert torch.allclose(head((x,)), expected)
    with pytest.raises(ValueError, match=r'\(N, 6\)'):
        head(torch.randn(2, 5))


# ----------------------------------------------------------------------------- selective transfer
def test_error_levels_by_hand_with_ties():
    scores = torch.tensor(
        [
            [5.0, 1.0, 2.0, 3.0],  # target 0 is the max -> 0
            [1.0, 5.0, 4.0, 0.0],  # target 2, one score above -> 1
            [4.0, 3.0, 2.0, 1.0],  # target 3, three above -> 3
            [2.0, 2.0, 1.0, 0.0],  # target 1 ties the max -> 0 (ties count for the target)
            [3.0, 1.0, 3.0, 3.0],  # target 1, three strictly above -> 3
        ]
    )
    target = torch.tensor([0, 2, 3, 1, 1])
    assert error_levels(scores, target).tolist() == [0, 1, 3, 0, 3]


def test_selective_mask_hand_built_batch():
    # 3n = 9 transformed rows of n = 3 images; levels by construction [0, 2, 0, 1, 1, 0, 2, 2, 1]
    levels = [0, 2, 0, 1, 1, 0, 2, 2, 1]
    target = torch.tensor([i // 3 for i in range(9)])  # each row's own source image
    scores = torch.zeros(9, 3)
    for row, (level, t) in enumerate(zip(levels, target.tolist())):
        others = [k for k in range(3) if k != t]
        scores[row, t] = 1.0
        for k in others[:level]:
            scores[row, k] = 2.0  # level = number of columns above the target
    assert error_levels(scores, target).tolist() == levels
    correct = [0, 2, 5]
    wrong_by_level = [3, 4, 8, 1, 6, 7]  # stable: level 1 rows by index, then level 2 rows
    for ratio in (0.0, 0.25, 0.5, 0.75, 1.0):
        keep = math.floor(ratio * 6)  # |W| = 6 of the 3n = 9 rows
        expected = sorted(correct + wrong_by_level[:keep])
        got = selective_transfer_mask(scores, target, ratio).nonzero().flatten().tolist()
        assert got == expected, ratio
    # 0.75 * 6 = 4.5 -> 4 rows: all three level-1 rows and the first level-2 row (a tie broken by index)
    assert selective_transfer_mask(scores, target, 0.75).tolist() == [
        True,
        True,
        True,
        True,
        True,
        True,
        False,
        False,
        True,
    ]


def test_selective_mask_all_correct_and_all_wrong():
    target = torch.tensor([0, 1, 2, 0])
    all_correct = F.one_hot(target, 3).float()
    for ratio in (0.0, 0.5, 1.0):
        assert selective_transfer_mask(all_correct, target, ratio).all()
    all_wrong = torch.tensor([[0.0, 3.0, 2.0], [1.0, 0.5, 0.0], [3.0, 2.0, 1.0], [0.0, 1.0, 2.0]])
    assert error_levels(all_wrong, target).tolist() == [2, 1, 2, 2]
    assert not selective_transfer_mask(all_wrong, target, 0.0).any()
    assert selective_transfer_mask(all_wrong, target, 0.25).tolist() == [False, True, False, False]
    assert selective_transfer_mask(all_wrong, target, 0.5).tolist() == [True, True, False, False]
    assert selective_transfer_mask(all_wrong, target, 1.0).all()
    with pytest.raises(ValueError, match=r'\[0, 1\]'):
        selective_transfer_mask(all_wrong, target, 1.5)


def test_masked_kl_matches_formula():
    torch.manual_seed(1)
    s, t = torch.randn(5, 4, requires_grad=True), torch.randn(5, 4)
    mask = torch.tensor([True, False, True, True, False])
    tau = 0.5
    total = 0.0
    for row in (0, 2, 3):
        zs = [math.exp(v / tau) for v in s[row].tolist()]
        zt = [math.exp(v / tau) for v in t[row].tolist()]
        ps, pt = [v / sum(zs) for v in zs], [v / sum(zt) for v in zt]
        total += sum(a * (math.log(a) - math.log(b)) for a, b in zip(pt, ps))
    loss = masked_kl_div(s, t, mask, tau)
    assert loss.item() == pytest.approx(tau**2 * total / 3, rel=1e-5)
    loss.backward()
    assert s.grad[1].abs().sum() == 0 and s.grad[0].abs().sum() > 0  # dropped rows get no gradient
    empty = masked_kl_div(s, t, torch.zeros(5, dtype=torch.bool), tau)
    assert empty.item() == 0 and empty.requires_grad


# ----------------------------------------------------------------------------- transforms
def test_rotation3_copies_are_rotations():
    x = torch.randn(2, 3, 8, 8)
    out = sskd_copies(x, 'rotation3')
    for i in range(2):
        for j in range(4):
            assert torch.equal(out[4 * i + j], torch.rot90(x[i], j, dims=(1, 2)))


def test_paper4_transforms():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(6, 3, 8, 8)
    gray = colour_drop(x)
    assert torch.allclose(gray[:, 0], 0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2])
    assert torch.equal(gray[:, 0], gray[:, 1]) and torch.equal(gray[:, 1], gray[:, 2])
    rotated = random_rotation(x, g)
    for a, b in zip(x, rotated):
        assert any(torch.equal(torch.rot90(a, k, dims=(1, 2)), b) for k in (1, 2, 3))
    assert torch.allclose(random_resized_crop(x, (1.0, 1.0), (1.0, 1.0), g), x, atol=1e-6)
    crop = random_resized_crop(x, (0.25, 0.25), (1.0, 1.0), g)  # a 4x4 box blown up to 8x8
    assert crop.shape == x.shape and not torch.allclose(crop, x, atol=1e-3)
    assert torch.allclose(colour_jitter(x, 0, 0, 0, 0, g), x, atol=1e-5)
    bright = colour_jitter(x * 0.5, 0.4, 0, 0, 0, g)
    factors = bright.sum(dim=(1, 2, 3)) / (x * 0.5).sum(dim=(1, 2, 3))
    assert torch.allclose(bright, factors.view(-1, 1, 1, 1) * x * 0.5, atol=1e-5)  # one factor per image
    assert ((factors >= 0.6 - 1e-6) & (factors <= 1.4 + 1e-6)).all() and factors.std() > 0
    # hue rotation keeps the luma and moves the chroma
    hued = colour_jitter(x * 0.5 + 0.25, 0, 0, 0, 0.1, g)
    assert torch.allclose(batch_augments._gray(hued), batch_augments._gray(x * 0.5 + 0.25), atol=1e-4)
    assert not torch.allclose(hued, x * 0.5 + 0.25, atol=1e-3)

    mean, std = torch.tensor([120.0, 110.0, 100.0]).view(3, 1, 1), torch.tensor([60.0, 55.0, 50.0]).view(3, 1, 1)
    images = (torch.rand(5, 3, 8, 8) * 255 - mean) / std
    stacked = sskd_copies(images, 'paper4', mean, std, generator=torch.Generator().manual_seed(1))
    assert stacked.shape == (20, 3, 8, 8)
    assert torch.equal(stacked[0::4], images)
    pixels = stacked * std + mean
    assert pixels.min() >= -1e-3 and pixels.max() <= 255 + 1e-3
    with pytest.raises(ValueError, match='unknown paper4'):
        sskd_copies(images, 'paper4', mean, std, blur=1.0)
    with pytest.raises(ValueError, match='transform_set'):
        sskd_copies(images, 'rotation4')


# ----------------------------------------------------------------------------- stage 2 losses
def reference_levels(scores, target):
    """The official code's rule: position of the target in the descending argsort."""
    order = torch.argsort(scores, dim=1, descending=True)
    return (order == target.unsqueeze(1)).long().argmax(1)


def reference_kept_kl(s, t, target, ratio, tau):
    levels = reference_levels(t, target).tolist()
    correct = [i for i, e in enumerate(levels) if e == 0]
    wrong = sorted((e, i) for i, e in enumerate(levels) if e > 0)
    kept = sorted(correct + [i for _, i in wrong[: int(ratio * len(wrong))]])
    p_t = torch.softmax(t[kept] / tau, 1)
    kl = (p_t * (p_t.log() - torch.log_softmax(s[kept] / tau, 1))).sum(1).mean()
    return tau**2 * kl, len(kept)


def test_stage2_loss_terms_match_independent_formulas(teacher_ckpt):
    weights = dict(ce=0.3, kd=0.7, tf=1.5, ss=2.0)
    temps = dict(kd=3.0, tf=2.0, ss=0.5)
    model = distiller(teacher_ckpt, loss_weights=weights, temperatures=temps, selective_ratios=dict(tf=0.5, ss=0.5))
    model.train()
    n = 6
    torch.manual_seed(7)
    x = torch.randn(n, 3, 16, 16)
    y = torch.arange(n) % NUM_CLASSES
    losses = model(x, samples(y), mode='loss')
    assert set(losses) == {'loss_ce', 'loss_kd', 'loss_tf', 'loss_ss', 'kept_tf', 'kept_ss'}

    stacked = torch.stack([torch.rot90(x[i], j, dims=(1, 2)) for i in range(n) for j in range(4)])
    normal = [4 * i for i in range(n)]
    transformed = [4 * i + r for i in range(n) for r in (1, 2, 3)]
    with torch.no_grad():
        pooled_s = model.student.neck(model.student.backbone(stacked))[-1]
        s_logits = model.student.head.fc(pooled_s)
        s_z = model.ss_head.layers(pooled_s)
        pooled_t = model.teacher.student.neck(model.teacher.student.backbone(stacked))[-1]
        t_logits = model.teacher.student.head.fc(pooled_t)
        t_z = model.teacher.ss_head.layers(pooled_t)

    ce = F.cross_entropy(s_logits[normal], y)
    assert losses['loss_ce'].item() == pytest.approx(0.3 * ce.item(), rel=1e-4)
    p_t = torch.softmax(t_logits[normal] / 3, 1)
    kd = 9 * (p_t * (p_t.log() - torch.log_softmax(s_logits[normal] / 3, 1))).sum(1).mean()
    assert losses['loss_kd'].item() == pytest.approx(0.7 * kd.item(), rel=1e-4)

    y_tf = torch.tensor([y[i].item() for i in range(n) for _ in range(3)])
    tf, kept_tf = reference_kept_kl(s_logits[transformed], t_logits[transformed], y_tf, 0.5, 2.0)
    assert losses['loss_tf'].item() == pytest.approx(1.5 * tf.item(), rel=1e-4)
    assert losses['kept_tf'].item() == pytest.approx(kept_tf / (3 * n))

    def sim(z):
        return torch.stack(
            [torch.stack([F.cosine_similarity(z[row], z[4 * k], dim=0) for k in range(n)]) for row in transformed]
        )

    own = torch.tensor([i for i in range(n) for _ in range(3)])
    ss, kept_ss = reference_kept_kl(sim(s_z), sim(t_z), own, 0.5, 0.5)
    assert losses['loss_ss'].item() == pytest.approx(2.0 * ss.item(), rel=1e-4)
    assert losses['kept_ss'].item() == pytest.approx(kept_ss / (3 * n))
    assert kept_ss < 3 * n, 'the example should drop some wrong rows to test the selection'


def test_weight_presets_components_and_bad_values(teacher_ckpt):
    assert distiller(teacher_ckpt).loss_weights == dict(ce=0.1, kd=0.9, tf=2.7, ss=10.0)
    assert distiller(teacher_ckpt, loss_weights='arxiv').loss_weights == dict(ce=0.1, kd=0.9, tf=10.0, ss=2.7)
    assert distiller(teacher_ckpt, loss_weights='eccv_supp').loss_weights == dict(ce=0.1, kd=0.9, tf=5.0, ss=3.0)
    default = distiller(teacher_ckpt)
    assert default.temperatures == dict(kd=4.0, tf=4.0, ss=0.5)
    assert default.selective_ratios == dict(tf=1.0, ss=0.75)
    assert default.transform_set == 'rotation3'

    x, y = torch.randn(4, 3, 16, 16), torch.arange(4)
    kd_only = distiller(teacher_ckpt, components='kd')
    assert kd_only.ss_head is None and set(kd_only(x, samples(y), mode='loss')) == {'loss_ce', 'loss_kd'}
    assert set(distiller(teacher_ckpt, components='kd+tf')(x, samples(y), mode='loss')) == {
        'loss_ce',
        'loss_kd',
        'loss_tf',
        'kept_tf',
    }
    assert set(distiller(teacher_ckpt, components='ss_only')(x, samples(y), mode='loss')) == {'loss_ss', 'kept_ss'}

    with pytest.raises(ValueError, match='loss_weights'):
        distiller(teacher_ckpt, loss_weights='paper')
    with pytest.raises(ValueError, match='temperatures.ss'):
        distiller(teacher_ckpt, temperatures=dict(ss=0))
    with pytest.raises(ValueError, match='selective_ratios has unknown keys'):
        distiller(teacher_ckpt, selective_ratios=dict(kd=0.5))
    with pytest.raises(ValueError, match='components'):
        distiller(teacher_ckpt, components=('ce', 'crd'))
    with pytest.raises(TypeError, match='SSKDTeacher'):
        SSKDDistiller(
            student=classifier(),
            teacher=classifier(depth=14, base=8),
            teacher_ckpt=save_state(
                build_classifier(classifier(depth=14, base=8)), osp.join(osp.dirname(teacher_ckpt), 'plain.pth')
            ),
        )


def test_pretext_ss_tasks_stage1_and_stage2(classifier_ckpt, tmp_path):
    """The Table 2 variants: the SS head classifies the transform (rotation, jigsaw) or the image (exemplar)."""
    n = 3
    torch.manual_seed(8)
    x = torch.randn(n, 3, 16, 16)
    data = samples(range(n))
    for i, sample in enumerate(data):
        sample.set_metainfo(dict(sample_idx=5 + i))

    def head_outputs(model, stacked):
        with torch.no_grad():
            return model.ss_head(model.student.neck(model.student.backbone(stacked))[-1])

    for task, stacked, target in (
        (
            'rotation',
            torch.stack([torch.rot90(x[i], j, dims=(1, 2)) for i in range(n) for j in range(4)]),
            torch.tensor([0, 1, 2, 3] * n),
        ),
        ('jigsaw', jigsaw_stack(x), torch.tensor([0, 1, 2, 3] * n)),
        ('exemplar', None, torch.tensor([5 + i for i in range(n) for _ in range(4)])),
    ):
        kwargs = dict(num_instances=10, transform_set='rotation3') if task == 'exemplar' else {}
        stage1 = SSKDTeacher(
            student=classifier(depth=14, base=8), classifier_ckpt=classifier_ckpt, ss_task=task, **kwargs
        )
        assert stage1.ss_head.out_channels == (10 if task == 'exemplar' else 4)
        if stacked is None:
            stacked = torch.stack([torch.rot90(x[i], j, dims=(1, 2)) for i in range(n) for j in range(4)])
        loss = stage1(x, data, mode='loss')['loss_ss_head']
        assert loss.item() == pytest.approx(F.cross_entropy(head_outputs(stage1, stacked), target).item(), rel=1e-5)

    ckpt = save_state(stage1, tmp_path / 'exemplar.pth')  # the exemplar teacher, for stage 2
    student = SSKDDistiller(
        student=classifier(),
        teacher=dict(
            type='SSKDTeacher',
            student=classifier(depth=14, base=8),
            ss_task='exemplar',
            num_instances=10,
            transform_set='rotation3',
        ),
        teacher_ckpt=ckpt,
        selective_ratios=dict(ss=0.5),
    )
    assert student.ss_head.out_channels == 10 and student.transform_set == 'rotation3'
    student.eval()  # BN running statistics: the reference below sees the same numbers
    losses = student(x, data, mode='loss')
    s_z, t_z = head_outputs(student, stacked).double(), head_outputs(student.teacher, stacked).double()
    ss, kept = reference_kept_kl(s_z, t_z, target, 0.5, 0.5)
    assert losses['loss_ss'].item() == pytest.approx(10.0 * ss.item(), rel=1e-4)
    assert losses['kept_ss'].item() == pytest.approx(kept / (4 * n)) and kept < 4 * n

    with pytest.raises(ValueError, match='needs transform_set'):
        SSKDTeacher(student=classifier(), ss_task='rotation', transform_set='paper4')
    with pytest.raises(ValueError, match='num_instances'):
        SSKDTeacher(student=classifier(), ss_task='exemplar')
    with pytest.raises(ValueError, match='out of range'):
        stage1.ss_targets(1, [DataSample(metainfo=dict(sample_idx=10))])
    with pytest.raises(ValueError, match='ss_task'):
        SSKDTeacher(student=classifier(), ss_task='colorization')


# ----------------------------------------------------------------------------- freezing
def test_stage1_step_updates_only_the_ss_head(classifier_ckpt):
    model = SSKDTeacher(
        student=classifier(depth=14, base=8), classifier_ckpt=classifier_ckpt, data_preprocessor=PREPROCESSOR
    )
    wrapper = sgd(model)
    assert {id(p) for g in wrapper.optimizer.param_groups for p in g['params']} == {
        id(p) for p in model.ss_head.parameters()
    }
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.init_weights()  # as Runner.train() does: must not re-draw the loaded classifier
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items() if not k.startswith('ss_head.'))
    model.train()
    assert model.ss_head.training and not any(m.training for m in model.student.modules())
    data = dict(
        inputs=[torch.randint(0, 256, (3, 16, 16), dtype=torch.uint8) for _ in range(6)], data_samples=samples(range(6))
    )
    log = model.train_step(data, wrapper)
    assert set(log) >= {'loss', 'loss_ss_head', 'acc_ss'}
    after = model.state_dict()
    assert set(after) == set(before)
    for key in before:
        if key.startswith('ss_head.'):
            assert not torch.equal(before[key], after[key]), f'{key} did not train'
        else:
            assert torch.equal(before[key], after[key]), f'{key} of the frozen classifier changed'

    unloaded = SSKDTeacher(student=classifier(depth=14, base=8))
    with pytest.raises(ValueError, match='classifier_ckpt is not set'):
        unloaded(torch.randn(2, 3, 16, 16), samples([0, 1]), mode='loss')


def test_stage2_teacher_frozen_and_ss_head_trained_only_by_loss_ss(teacher_ckpt):
    model = distiller(teacher_ckpt)
    loaded = {k: v.clone() for k, v in model.teacher.state_dict().items()}
    model.init_weights()  # as Runner.train() does: must not re-draw the loaded teacher
    assert all(torch.equal(v, model.teacher.state_dict()[k]) for k, v in loaded.items())
    model.train()
    assert not any(m.training for m in model.teacher.modules())
    assert not any(p.requires_grad for p in model.teacher.parameters())
    x, y = torch.randn(4, 3, 16, 16), torch.arange(4)
    losses = model(x, samples(y), mode='loss')
    (losses['loss_ce'] + losses['loss_kd'] + losses['loss_tf']).backward(retain_graph=True)
    assert all(p.grad is None for p in model.ss_head.parameters())
    assert all(p.grad is not None for p in model.student.parameters())
    losses['loss_ss'].backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.ss_head.parameters())
    assert all(p.grad is None for p in model.teacher.parameters())

    wrapper = sgd(model)
    assert not {id(p) for p in model.teacher.parameters()} & {
        id(p) for g in wrapper.optimizer.param_groups for p in g['params']
    }
    teacher_before = {k: v.clone() for k, v in model.teacher.state_dict().items()}
    data = dict(
        inputs=[torch.randint(0, 256, (3, 16, 16), dtype=torch.uint8) for _ in range(4)], data_samples=samples(range(4))
    )
    model.train_step(data, wrapper)
    assert all(torch.equal(v, model.teacher.state_dict()[k]) for k, v in teacher_before.items())


def test_export_carries_no_ss_head(teacher_ckpt):
    model = distiller(teacher_ckpt)
    state = model.state_dict()
    assert any(k.startswith('ss_head.') for k in state)
    assert not any(k.startswith('teacher.') for k in state)
    exported = extract_student(state)
    assert set(exported) == set(model.student.state_dict())
    assert not any('ss_head' in k for k in exported)


# ----------------------------------------------------------------------------- real runs
def blobs(n, size=16, seed=0):
    """Class c: a bright centred square of side 2(c + 1), so rotated copies keep their class, on a
    noisy canvas with a strong random tint per image (what tells the copies of an image apart)."""
    g = torch.Generator().manual_seed(seed)
    imgs = torch.randint(0, 40, (n, 3, size, size), generator=g) + torch.randint(0, 200, (n, 3, 1, 1), generator=g)
    labels = torch.arange(n) % NUM_CLASSES
    mid = size // 2
    for img, c in zip(imgs, labels.tolist()):
        img[:, mid - c - 1 : mid + c + 1, mid - c - 1 : mid + c + 1] = 255
    return imgs.clamp(0, 255).to(torch.uint8), labels


def train_steps(model, imgs, labels, steps, key, batch=16, lr=0.05):
    wrapper = sgd(model, lr)
    model.train()
    history = []
    for step in range(steps):
        idx = torch.arange(step * batch, (step + 1) * batch) % len(imgs)
        data = dict(inputs=list(imgs[idx]), data_samples=samples(labels[idx]))
        history.append(model.train_step(data, wrapper)[key].item())
    return history


def test_two_stage_run_loss_goes_down(tmp_path):
    imgs, labels = blobs(64)
    torch.manual_seed(0)
    teacher_cls = build_classifier(dict(classifier(depth=14, base=8), data_preprocessor=PREPROCESSOR))
    ce = train_steps(teacher_cls, imgs, labels, 40, 'loss')
    assert sum(ce[-5:]) < sum(ce[:5])
    ckpt = save_state(teacher_cls, tmp_path / 'classifier.pth')

    stage1 = SSKDTeacher(student=classifier(depth=14, base=8), classifier_ckpt=ckpt, data_preprocessor=PREPROCESSOR)
    head = train_steps(stage1, imgs, labels, 40, 'loss_ss_head')
    assert sum(head[-5:]) < 0.9 * sum(head[:5]), head

    stage2 = SSKDDistiller(
        student=classifier(),
        teacher=dict(type='SSKDTeacher', student=classifier(depth=14, base=8)),
        teacher_ckpt=save_state(stage1, tmp_path / 'stage1.pth'),
        data_preprocessor=PREPROCESSOR,
    )
    total = train_steps(stage2, imgs, labels, 40, 'loss')
    assert sum(total[-5:]) < 0.8 * sum(total[:5]), total


def tiny_config(path, base, data_root, work_dir, model):
    """``base`` (a repo config) shrunk to one CPU epoch on the Fashion-MNIST look-alike."""
    text = f'''_base_ = [{osp.join(REPO, base)!r}]
custom_imports = dict(imports=['mmkd.models.distillers.sskd'], allow_failed_imports=False)
data_preprocessor = dict(_delete_=True, type='ClsDataPreprocessor', num_classes=10, mean=[73.0] * 3,
                         std=[90.0] * 3)
pipeline = [dict(type='GrayToRGB'), dict(type='Resize', scale=(16, 16)), dict(type='PackInputs')]
train_dataloader = dict(_delete_=True, batch_size=16, num_workers=0, persistent_workers=False,
                        sampler=dict(type='DefaultSampler', shuffle=True),
                        dataset=dict(type='FashionMNISTIDX', data_root={data_root!r}, split='train',
                                     num_samples=64, pipeline=pipeline))
val_dataloader = dict(_delete_=True, batch_size=32, num_workers=0, persistent_workers=False,
                      sampler=dict(type='DefaultSampler', shuffle=False),
                      dataset=dict(type='FashionMNISTIDX', data_root={data_root!r}, split='test',
                                   num_samples=32, pipeline=pipeline))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=1, val_interval=1)
param_scheduler = dict(_delete_=True, type='ConstantLR', factor=1.0)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1))
work_dir = {work_dir!r}
model = {model!r}
'''
    with open(path, 'w') as f:
        f.write(text)
    return str(path)


def train_config(path):
    """What tools/train.py does, in-process (a subprocess per stage costs more than the stage)."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    Runner.from_cfg(Config.fromfile(path)).train()


def test_config_chain_stage1_stage2_export(tmp_path, fashion_root):
    """The repo configs run both stages through the mmengine Runner (stage 1's checkpoint is stage 2's
    teacher, loaded strictly) and the exported student is the bare classifier."""
    teacher = classifier(depth=8, base=8, num_classes=10)
    student = classifier(depth=8, base=4, num_classes=10)
    cls_ckpt = save_state(build_classifier(teacher), tmp_path / 'classifier.pth')
    stage1_work = str(tmp_path / 'work1')
    train_config(
        tiny_config(
            tmp_path / 'stage1.py',
            'configs/sskd/sskd-teacher_vgg13_1xb64-60e_cifar100.py',
            fashion_root,
            stage1_work,
            dict(classifier=dict(_delete_=True, **teacher), ss_head=dict(in_channels=32), classifier_ckpt=cls_ckpt),
        )
    )
    stage1_ckpt = osp.join(stage1_work, 'epoch_1.pth')
    stage1_state = torch.load(stage1_ckpt, map_location='cpu', weights_only=False)['state_dict']
    classifier_state = torch.load(cls_ckpt)['state_dict']
    assert {k for k in stage1_state if not k.startswith('ss_head.')} == {f'classifier.{k}' for k in classifier_state}
    assert all(torch.equal(stage1_state[f'classifier.{k}'], v) for k, v in classifier_state.items())

    stage2_work = str(tmp_path / 'work2')
    train_config(
        tiny_config(
            tmp_path / 'stage2.py',
            'configs/sskd/sskd_vgg13_vgg8_1xb64-240e_cifar100.py',
            fashion_root,
            stage2_work,
            dict(
                student=dict(_delete_=True, **student),
                teacher=dict(classifier=dict(_delete_=True, **teacher), ss_head=dict(in_channels=32)),
                ss_head=dict(in_channels=16),
                teacher_ckpt=stage1_ckpt,
            ),
        )
    )
    out = str(tmp_path / 'student.pth')
    export_student(osp.join(stage2_work, 'epoch_1.pth'), out)
    exported = torch.load(out, weights_only=True)['state_dict']
    assert set(exported) == set(build_classifier(student).state_dict())
