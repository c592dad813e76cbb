"""KD core: distiller base (teacher hygiene), Hinton KD, DML, the distillation optimizer constructor."""

import math
import os.path as osp

import pytest
import torch
from mmengine.optim import build_optim_wrapper
from mmengine.runner.checkpoint import get_state_dict
from mmpretrain.structures import DataSample

import mmkd.models  # noqa: F401
from mmkd.models.distillers import DMLDistiller, KDDistiller
from mmkd.models.losses import KLDivergence, kl_div_with_temperature


def small_classifier(depth=18, num_classes=5, base=8):
    return dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet_CIFAR', depth=depth, base_channels=base, stem_channels=base),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='LinearClsHead', num_classes=num_classes, in_channels=base * 8, loss=dict(type='CrossEntropyLoss')
        ),
    )


def save_random(cfg, path):
    from mmkd.models.distillers import build_classifier

    torch.manual_seed(1)
    torch.save({'state_dict': build_classifier(cfg).state_dict()}, path)
    return str(path)


def batch(n=4, num_classes=5, size=16):
    torch.manual_seed(0)
    inputs = torch.randn(n, 3, size, size)
    samples = [DataSample().set_gt_label(i % num_classes) for i in range(n)]
    return inputs, samples


@pytest.fixture
def kd(tmp_path):
    teacher = small_classifier(depth=34)
    ckpt = save_random(teacher, tmp_path / 'teacher.pth')
    return KDDistiller(
        student=small_classifier(), teacher=teacher, teacher_ckpt=ckpt, tau=4.0, ce_weight=0.5, kd_weight=2.0
    )


def test_kl_with_temperature_matches_hand_computation():
    s = torch.tensor([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    t = torch.tensor([[2.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
    tau = 3.0
    total = 0.0
    for row_s, row_t in zip(s.tolist(), t.tolist()):
        zs = [math.exp(v / tau) for v in row_s]
        zt = [math.exp(v / tau) for v in row_t]
        ps = [v / sum(zs) for v in zs]
        pt = [v / sum(zt) for v in zt]
        total += sum(a * (math.log(a) - math.log(b)) for a, b in zip(pt, ps))
    expected = tau**2 * total / 2
    assert kl_div_with_temperature(s, t, tau).item() == pytest.approx(expected, rel=1e-6)
    assert KLDivergence(tau=tau, loss_weight=0.5)(s, t).item() == pytest.approx(0.5 * expected, rel=1e-6)
    with pytest.raises(ValueError, match='equal shapes'):
        kl_div_with_temperature(s, t[:, :2])


def test_kd_loss_terms_match_formula(kd):
    inputs, samples = batch()
    losses = kd(inputs, samples, mode='loss')
    assert set(losses) == {'loss_ce', 'loss_kd'}
    kd.eval()
    with torch.no_grad():
        s = kd.student(inputs, mode='tensor')
        t = kd.teacher(inputs, mode='tensor')
    kd.train()
    labels = torch.tensor([ds.gt_label.item() for ds in samples])
    losses = kd(inputs, samples, mode='loss')  # train mode: BN batch stats in the student
    s_train = kd.classify(kd.student, inputs)[1]
    assert losses['loss_ce'].item() == pytest.approx(
        0.5 * torch.nn.functional.cross_entropy(s_train, labels).item(), rel=1e-5
    )
    p_t = torch.softmax(t / 4, 1)
    manual_kd = 16 * (p_t * (p_t.log() - torch.log_softmax(s_train / 4, 1))).sum(1).mean()
    assert losses['loss_kd'].item() == pytest.approx(2.0 * manual_kd.item(), rel=1e-5)
    assert not torch.equal(s, s_train)  # the student really ran in train mode


def test_teacher_frozen_eval_and_no_grad(kd):
    kd.train()
    assert kd.student.training and not kd.teacher.training
    assert all(not m.training for m in kd.teacher.modules())
    inputs, samples = batch()
    bn = kd.teacher.backbone.bn1
    before = bn.running_mean.clone()
    losses = kd(inputs, samples, mode='loss')
    sum(losses.values()).backward()
    assert torch.equal(before, bn.running_mean)  # BN statistics untouched
    assert all(p.grad is None and not p.requires_grad for p in kd.teacher.parameters())
    assert any(p.grad is not None for p in kd.student.parameters())


def test_init_weights_keeps_the_loaded_teacher(kd, tmp_path):
    """Runner.train() calls model.init_weights(); the loaded teacher must survive it."""
    loaded = {k: v.clone() for k, v in kd.teacher.state_dict().items()}
    kd.init_weights()
    for key, value in kd.teacher.state_dict().items():
        assert torch.equal(value, loaded[key]), key


def test_teacher_not_in_optimizer(kd):
    wrapper = build_optim_wrapper(
        kd, dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9), constructor='DistillOptimWrapperConstructor')
    )
    in_opt = {id(p) for g in wrapper.optimizer.param_groups for p in g['params']}
    assert not in_opt & {id(p) for p in kd.teacher.parameters()}
    assert {id(p) for p in kd.student.parameters()} <= in_opt
    paramwise = build_optim_wrapper(
        kd,
        dict(
            optimizer=dict(type='SGD', lr=0.1, weight_decay=1e-4),
            paramwise_cfg=dict(norm_decay_mult=0.0),
            constructor='DistillOptimWrapperConstructor',
        ),
    )
    in_opt = {id(p) for g in paramwise.optimizer.param_groups for p in g['params']}
    assert not in_opt & {id(p) for p in kd.teacher.parameters()}
    assert {id(p) for p in kd.student.parameters()} <= in_opt


def test_teacher_not_in_checkpoint_unless_asked(kd, tmp_path):
    for state in (kd.state_dict(), get_state_dict(kd)):
        assert not any(k.startswith('teacher.') for k in state)
        assert any(k.startswith('student.backbone.') for k in state)
    # a checkpoint without the teacher loads strictly and leaves the teacher as it was
    teacher_before = {k: v.clone() for k, v in kd.teacher.state_dict().items()}
    kd.load_state_dict(kd.state_dict(), strict=True)
    assert all(torch.equal(v, kd.teacher.state_dict()[k]) for k, v in teacher_before.items())
    kd.save_teacher = True
    assert any(k.startswith('teacher.') for k in kd.state_dict())


def test_predict_and_tensor_use_the_student(kd):
    kd.eval()
    inputs, samples = batch()
    logits = kd(inputs, mode='tensor')
    assert torch.equal(logits, kd.student(inputs, mode='tensor'))
    preds = kd(inputs, samples, mode='predict')
    assert torch.allclose(torch.stack([p.pred_score for p in preds]), torch.softmax(logits, 1))


def test_bad_teacher_checkpoints_are_clear_errors(tmp_path):
    teacher = small_classifier(depth=34)
    with pytest.raises(FileNotFoundError, match='teacher_ckpt .*nope.pth does not exist'):
        KDDistiller(student=small_classifier(), teacher=teacher, teacher_ckpt=str(tmp_path / 'nope.pth'))
    with pytest.raises(ValueError, match='teacher_ckpt is not set'):
        KDDistiller(student=small_classifier(), teacher=teacher)
    wrong_arch = save_random(small_classifier(depth=18), tmp_path / 'r18.pth')
    with pytest.raises(ValueError, match=r'does not fit the teacher.*missing keys \[backbone\.layer'):
        KDDistiller(student=small_classifier(), teacher=teacher, teacher_ckpt=wrong_arch)
    wrong_classes = save_random(small_classifier(depth=34, num_classes=7), tmp_path / 'c7.pth')
    with pytest.raises(ValueError, match=r'shape mismatches \[head\.fc\.bias: checkpoint \(7,\) vs model \(5,\)'):
        KDDistiller(student=small_classifier(), teacher=teacher, teacher_ckpt=wrong_classes)
    other = save_random(small_classifier(depth=34, num_classes=7), tmp_path / 'c7b.pth')
    with pytest.raises(ValueError, match='teacher predicts 7 classes but the student predicts 5'):
        KDDistiller(student=small_classifier(), teacher=small_classifier(depth=34, num_classes=7), teacher_ckpt=other)


def test_teacher_from_distiller_checkpoint(kd, tmp_path):
    """A teacher can be read out of a distiller checkpoint (keys 'student.*')."""
    path = tmp_path / 'distilled.pth'
    torch.save({'state_dict': kd.state_dict()}, path)
    again = KDDistiller(student=small_classifier(), teacher=small_classifier(), teacher_ckpt=str(path))
    for key, value in kd.student.state_dict().items():
        assert torch.equal(again.teacher.state_dict()[key], value)


def test_dml_gradients_flow_only_into_the_learning_peer():
    dml = DMLDistiller(peers=[small_classifier(), small_classifier(depth=34)], tau=2.0)
    inputs, samples = batch()
    losses = dml(inputs, samples, mode='loss')
    assert set(losses) == {'peer0.loss_ce', 'peer0.loss_kl', 'peer1.loss_ce', 'peer1.loss_kl'}
    losses['peer0.loss_kl'].backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in dml.peers[0].parameters())
    assert all(p.grad is None for p in dml.peers[1].parameters())
    dml.zero_grad(set_to_none=True)
    losses = dml(inputs, samples, mode='loss')
    z = [dml.classify(p, inputs)[1] for p in dml.peers]
    expected = kl_div_with_temperature(z[1], z[0], 2.0)
    assert losses['peer1.loss_kl'].item() == pytest.approx(expected.item(), rel=1e-5)


def test_dml_needs_two_peers_and_exposes_student():
    with pytest.raises(ValueError, match='at least 2 peer configs'):
        DMLDistiller(peers=[small_classifier()])
    dml = DMLDistiller(peers=[small_classifier(), small_classifier()], eval_peer=1)
    assert dml.student is dml.peers[1]
    assert not any(k.startswith('student.') for k in dml.state_dict())


def _kd_runner(tmp_path, fashion_root, teacher_ckpt, strict, max_epochs=1):
    from conftest import write_tiny_config
    from mmengine.config import Config
    from mmengine.runner import Runner

    student = small_classifier(num_classes=10)
    teacher = small_classifier(depth=34, num_classes=10)
    extra = f'''
model = dict(_delete_=True, type='KDDistiller', student={student!r}, teacher={teacher!r},
             teacher_ckpt={teacher_ckpt!r}, tau=4.0)
custom_hooks = [dict(type='TeacherCheckHook', strict={strict})]
'''
    cfg = Config.fromfile(
        write_tiny_config(
            tmp_path,
            'configs/baseline/resnet18_1xb64-5e_fashion-mnist.py',
            fashion_root,
            extra=extra,
            max_epochs=max_epochs,
        )
    )
    return Runner.from_cfg(cfg)


def test_teacher_check_hook_flags_a_chance_level_teacher(tmp_path, fashion_root):
    ckpt = save_random(small_classifier(depth=34, num_classes=10), tmp_path / 'random_teacher.pth')
    runner = _kd_runner(tmp_path, fashion_root, ckpt, strict=True)
    with pytest.raises(RuntimeError, match='teacher is at chance level'):
        runner.train()


def test_teacher_check_hook_logs_accuracy_and_kd_trains(tmp_path, fashion_root):
    from mmkd.engine.hooks import TeacherCheckHook

    ckpt = save_random(small_classifier(depth=34, num_classes=10), tmp_path / 'random_teacher.pth')
    runner = _kd_runner(tmp_path, fashion_root, ckpt, strict=False)
    runner.train()
    hook = next(h for h in runner.hooks if isinstance(h, TeacherCheckHook))
    assert hook.accuracy is not None and 0 <= hook.accuracy <= 100
    assert runner.message_hub.get_info('teacher_accuracy') == hook.accuracy
    saved = torch.load(osp.join(runner.work_dir, 'epoch_1.pth'), weights_only=True)['state_dict']
    assert not any(k.startswith('teacher.') for k in saved)  # the frozen teacher is not saved


def test_teacher_from_a_config_file(tmp_path):
    """``teacher`` may be the path of a config file whose ``model`` is the teacher."""
    cfg_file = tmp_path / 'teacher_cfg.py'
    cfg_file.write_text(f'model = {small_classifier(depth=34)!r}\n')
    ckpt = save_random(small_classifier(depth=34), tmp_path / 'teacher.pth')
    kd = KDDistiller(student=small_classifier(), teacher=str(cfg_file), teacher_ckpt=ckpt)
    assert len(kd.teacher.backbone.layer3) == 6  # ResNet-34's third stage
    with pytest.raises(FileNotFoundError, match='teacher config file .*missing.py does not exist'):
        KDDistiller(student=small_classifier(), teacher=str(tmp_path / 'missing.py'), teacher_ckpt=ckpt)
