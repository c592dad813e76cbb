"""Every distiller checks at build time that its networks, its teacher (whatever the nesting) and its
data preprocessor agree on ``num_classes``; the error names both values, both config keys and the fix."""

import os.path as osp
import re

import pytest
import torch
from conftest import REPO
from mmengine.config import Config

from mmkd.registry import MODELS
from mmkd.testing import write_random_checkpoints

FIX = 'set both to the number of classes of the dataset'
TINY_CSS = dict(type='CIFARResNet', arch='resnet8')


def classifier(num_classes=10, base=4):
    return dict(
        type='ImageClassifier',
        backbone=dict(type='CIFARResNet', depth=8, base_channels=base, stem_channels=base),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='LinearClsHead', num_classes=num_classes, in_channels=base * 4, loss=dict(type='CrossEntropyLoss')
        ),
    )


def student(num_classes=10):
    return classifier(num_classes, base=4)


def teacher(num_classes=10):
    return classifier(num_classes, base=8)


def preprocessor(num_classes):
    return dict(type='ClsDataPreprocessor', num_classes=num_classes)


# name -> model config given the two numbers of classes (a: the student side, b: the other side)
MODELS_BY_NAME = {
    'kd': lambda a, b: dict(type='KDDistiller', student=student(a), teacher=teacher(b), teacher_ckpt=None),
    'hssakd': lambda a, b: dict(
        type='HSSAKDDistiller', student=student(a), teacher_ckpt=None, teacher=dict(type='SSADNet', student=teacher(b))
    ),
    'sskd': lambda a, b: dict(
        type='SSKDDistiller',
        student=student(a),
        teacher_ckpt=None,
        teacher=dict(type='SSKDTeacher', student=teacher(b)),
    ),
    'dml': lambda a, b: dict(type='DMLDistiller', peers=[teacher(a), student(b)]),
    'dml3': lambda a, b: dict(type='DMLDistiller', peers=[student(a), student(a), student(b)]),
    'online_hssakd': lambda a, b: dict(type='OnlineHSSAKD', peers=[student(a), student(b)]),
    'css': lambda a, b: dict(
        type='CSSDistiller', net1=dict(backbone=TINY_CSS, num_classes=a), net2=dict(backbone=TINY_CSS, num_classes=b)
    ),
}

# name -> (config key of side a, config key of side b) in the message
KEYS = {
    'kd': ('model.student.head.num_classes', 'model.teacher.head.num_classes'),
    'hssakd': ('model.student.head.num_classes', 'model.teacher.student.head.num_classes'),
    'sskd': ('model.student.head.num_classes', 'model.teacher.student.head.num_classes'),
    'dml': ('model.peers[0].head.num_classes', 'model.peers[1].head.num_classes'),
    'dml3': ('model.peers[0].head.num_classes', 'model.peers[2].head.num_classes'),
    'online_hssakd': ('model.peers[0].head.num_classes', 'model.peers[1].head.num_classes'),
    'css': ('model.net1.num_classes', 'model.net2.num_classes'),
}


def build(cfg, tmp_path):
    write_random_checkpoints(cfg, tmp_path)
    return MODELS.build(cfg)


def assert_names(message, *pairs):
    for key, value in pairs:
        assert f'{key}={value}' in message, message
    assert FIX in message, message


@pytest.mark.parametrize('name', sorted(MODELS_BY_NAME))
def test_mismatch_between_networks_is_a_build_error(name, tmp_path):
    """No checkpoint is needed to see the mismatch: it is reported before the teacher is loaded."""
    with pytest.raises(ValueError) as err:
        MODELS.build(MODELS_BY_NAME[name](10, 7))
    key_a, key_b = KEYS[name]
    assert_names(str(err.value), (key_a, 10), (key_b, 7))
    assert re.search(r'predicts 7 classes but .* predicts 10', str(err.value)), str(err.value)


@pytest.mark.parametrize('name', sorted(MODELS_BY_NAME))
def test_matching_networks_build(name, tmp_path):
    model = build(MODELS_BY_NAME[name](10, 10), tmp_path)
    assert model.check_num_classes() is None


def test_teacher_from_a_config_file_names_the_file(tmp_path):
    path = tmp_path / 'teacher_c7.py'
    path.write_text(f'model = {teacher(7)!r}\n')
    with pytest.raises(ValueError) as err:
        MODELS.build(dict(type='KDDistiller', student=student(10), teacher=str(path), teacher_ckpt=None))
    assert_names(str(err.value), (f'{path}: model.head.num_classes', 7), ('model.student.head.num_classes', 10))


def test_hssakd_mismatch_with_a_checkpoint_fails_at_build_not_at_the_first_step(tmp_path):
    cfg = MODELS_BY_NAME['hssakd'](10, 7)
    write_random_checkpoints(cfg, tmp_path)
    assert osp.isfile(cfg['teacher_ckpt'])  # a teacher stage checkpoint that fits its own config
    with pytest.raises(ValueError, match=re.escape('model.teacher.student.head.num_classes=7')):
        MODELS.build(cfg)


# name -> model config with the given student classes, and the key of the student side
SINGLE = {
    'kd': (
        lambda n, dp: dict(
            type='KDDistiller', student=student(n), teacher=teacher(n), teacher_ckpt=None, data_preprocessor=dp
        ),
        'model.student.head.num_classes',
    ),
    'ssadnet': (
        lambda n, dp: dict(type='SSADNet', student=student(n), data_preprocessor=dp),
        'model.student.head.num_classes',
    ),
    'sskd_teacher': (
        lambda n, dp: dict(type='SSKDTeacher', student=student(n), data_preprocessor=dp),
        'model.student.head.num_classes',
    ),
    'mixskd': (
        lambda n, dp: dict(type='MixSKDDistiller', student=student(n), data_preprocessor=dp),
        'model.student.head.num_classes',
    ),
    'sssd': (
        lambda n, dp: dict(type='SSSDDistiller', student=student(n), data_preprocessor=dp, probe_size=32),
        'model.student.head.num_classes',
    ),
    'dml': (
        lambda n, dp: dict(type='DMLDistiller', peers=[student(n), student(n)], data_preprocessor=dp),
        'model.peers[0].head.num_classes',
    ),
    'css': (
        lambda n, dp: dict(type='CSSDistiller', net1=dict(backbone=TINY_CSS, num_classes=n), data_preprocessor=dp),
        'model.net1.num_classes',
    ),
}


@pytest.mark.parametrize('name', sorted(SINGLE))
def test_data_preprocessor_num_classes_must_match(name, tmp_path):
    make, key = SINGLE[name]
    with pytest.raises(ValueError) as err:
        MODELS.build(make(50, preprocessor(10)))
    message = str(err.value)
    assert_names(message, ('data_preprocessor.num_classes', 10), (key, 50))
    assert 'model.data_preprocessor, or the top-level data_preprocessor' in message
    # set to the same value, or not set at all: builds
    for dp in (preprocessor(50), dict(type='ClsDataPreprocessor')):
        model = build(make(50, dp), tmp_path)
        assert model.data_preprocessor.num_classes in (50, None)


def test_data_preprocessor_of_the_student_config_is_checked_too():
    cfg = student(50)
    cfg['data_preprocessor'] = preprocessor(10)
    with pytest.raises(ValueError, match=re.escape('data_preprocessor.num_classes') + r'.*=10'):
        MODELS.build(dict(type='MixSKDDistiller', student=cfg))


def test_sssd_demo_config_checks_num_clusters_against_the_preprocessor():
    """SSSD stage 3 predicts cluster ids: its head and its data preprocessor both take num_clusters."""
    from mmkd.apis.runner import model_config

    cfg = Config.fromfile(osp.join(REPO, 'configs', 'demo', 'sssd_resnet18-w16_1xb64-3e_fashion-mnist.py'))
    model_cfg = model_config(cfg)
    assert model_cfg['data_preprocessor']['num_classes'] == cfg.num_clusters != 10
    model_cfg['data_preprocessor']['num_classes'] = 10
    with pytest.raises(ValueError) as err:
        MODELS.build(model_cfg)
    assert_names(
        str(err.value), ('data_preprocessor.num_classes', 10), ('model.student.head.num_classes', cfg.num_clusters)
    )


def test_num_classes_and_key_finds_every_head(tmp_path):
    from mmkd.models.distillers.base import num_classes_and_key

    torch.manual_seed(0)
    cases = [
        (MODELS.build(student(6)), ('model.head.num_classes', 6)),
        (MODELS.build(dict(type='SSADNet', student=student(6))), ('model.student.head.num_classes', 6)),
        (MODELS.build(dict(type='SSKDTeacher', student=student(6))), ('model.student.head.num_classes', 6)),
        (MODELS.build(dict(type='CSSNetwork', backbone=TINY_CSS, num_classes=6)), ('model.num_classes', 6)),
        (MODELS.build(MODELS_BY_NAME['dml'](6, 6)), ('model.peers[0].head.num_classes', 6)),
        (MODELS.build(MODELS_BY_NAME['css'](6, 6)), ('model.net1.num_classes', 6)),
        (build(MODELS_BY_NAME['hssakd'](6, 6), tmp_path), ('model.student.head.num_classes', 6)),
    ]
    for model, (key, n) in cases:
        assert num_classes_and_key(model, 'model') == (n, key), type(model).__name__
