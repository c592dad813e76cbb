"""Config names: the OpenMMLab pattern of the leaf configs and the table of their former names.

A leaf config (``configs/<folder>/*.py`` outside ``_base_``) is named

    ``{method}_{teacher}_{student}_{N}xb{B}-{schedule}_{dataset}.py``

- ``method``: the training stage (``kd``, ``hssakd-teacher``, ``sssd-moco``, ...); absent for a plain
  classifier (``configs/baseline``, the demo's teacher and student), as mmpretrain writes them.
- ``teacher`` / ``student``: the networks (one for a single-network stage, the peers of an online method).
- ``N`` x ``B``: GPUs x batch per GPU, ``B = train_dataloader.batch_size`` and
  ``N = auto_scale_lr.base_batch_size / B`` (1 when the config sets no base batch size).
- ``schedule``: ``{max_epochs}e``, ``{max_iters / 1000}k``, ``{max_iters}iter`` (fewer than 1000
  iterations) or mmdet's ``{n}x`` (``n`` x 12 epochs).
- ``dataset``: ``in1k`` for ImageNet-1k, otherwise the data set's word, with a qualifier of the run after
  a dash (``cifar100-fewshot25``, ``cifar100-noisy10``, mmseg's ``ade20k-512x512``).

The transfer configs (``configs/transfer/mmdet``, ``configs/transfer/mmseg``) follow mmdet / mmseg:
``{algorithm}_{backbone}_{neck}_{N}xb{B}-{schedule}_{dataset}``. :data:`RENAMED` maps every former path to
its name today: :func:`mmkd.apis.runner.load_config` names the new path when an old one is asked for,
``tools/analysis/config_names.py`` writes the table in ``docs/config_names.md``.
"""

import os.path as osp
import re
from typing import Optional

__all__ = ['RENAMED', 'parse_config_name', 'renamed_config', 'missing_config_error', 'schedule_length']

# former path -> path today (relative to the repository root)
RENAMED = {
    'configs/baseline/densenet40-12_cifar100.py': 'configs/baseline/densenet40-12_1xb64-240e_cifar100.py',
    'configs/baseline/hcgnet-a1_cifar100.py': 'configs/baseline/hcgnet-a1_1xb64-240e_cifar100.py',
    'configs/baseline/mobilenetv2-w0.5_fashion-mnist.py': 'configs/baseline/mobilenetv2-w0.5_1xb64-5e_fashion-mnist.py',
    'configs/baseline/mobilenetv2_cifar100.py': 'configs/baseline/mobilenetv2_1xb64-240e_cifar100.py',
    'configs/baseline/pyramidnet110-a84_cifar100.py': 'configs/baseline/pyramidnet110-a84_1xb128-300e_cifar100.py',
    'configs/baseline/resnet110_cifar100.py': 'configs/baseline/resnet110_1xb64-240e_cifar100.py',
    'configs/baseline/resnet18_cub200.py': 'configs/baseline/resnet18_1xb32-205e_cub200.py',
    'configs/baseline/resnet18_fashion-mnist.py': 'configs/baseline/resnet18_1xb64-5e_fashion-mnist.py',
    'configs/baseline/resnet18_fgvc-aircraft.py': 'configs/baseline/resnet18_1xb32-205e_fgvc-aircraft.py',
    'configs/baseline/resnet18_imagenet.py': 'configs/baseline/resnet18_8xb32-100e_in1k.py',
    'configs/baseline/resnet18_mit67.py': 'configs/baseline/resnet18_1xb32-205e_mit67.py',
    'configs/baseline/resnet18_stanford-cars.py': 'configs/baseline/resnet18_1xb32-205e_stanford-cars.py',
    'configs/baseline/resnet18_stanford-dogs.py': 'configs/baseline/resnet18_1xb32-205e_stanford-dogs.py',
    'configs/baseline/resnet20_cifar100.py': 'configs/baseline/resnet20_1xb64-240e_cifar100.py',
    'configs/baseline/resnet32x4_cifar100.py': 'configs/baseline/resnet32x4_1xb64-240e_cifar100.py',
    'configs/baseline/resnet34_imagenet.py': 'configs/baseline/resnet34_8xb32-100e_in1k.py',
    'configs/baseline/resnet50_cifar100.py': 'configs/baseline/resnet50_1xb64-240e_cifar100.py',
    'configs/baseline/resnet50_cub200.py': 'configs/baseline/resnet50_1xb32-205e_cub200.py',
    'configs/baseline/resnet50_stanford-cars.py': 'configs/baseline/resnet50_1xb32-205e_stanford-cars.py',
    'configs/baseline/resnet50_stanford-dogs.py': 'configs/baseline/resnet50_1xb32-205e_stanford-dogs.py',
    'configs/baseline/resnet50_tiny-imagenet.py': 'configs/baseline/resnet50_1xb128-300e_tiny-imagenet.py',
    'configs/baseline/resnet56_cifar100.py': 'configs/baseline/resnet56_1xb64-240e_cifar100.py',
    'configs/baseline/resnet8x4_cifar100.py': 'configs/baseline/resnet8x4_1xb64-240e_cifar100.py',
    'configs/baseline/resnext29-2x64d_cifar100.py': 'configs/baseline/resnext29-2x64d_1xb128-300e_cifar100.py',
    'configs/baseline/se-resnet110_cifar100.py': 'configs/baseline/se-resnet110_1xb128-300e_cifar100.py',
    'configs/baseline/shufflenetv1_cifar100.py': 'configs/baseline/shufflenetv1_1xb64-240e_cifar100.py',
    'configs/baseline/shufflenetv2-w0.5_fashion-mnist.py': (
        'configs/baseline/shufflenetv2-w0.5_1xb64-5e_fashion-mnist.py'
    ),
    'configs/baseline/shufflenetv2_cifar100.py': 'configs/baseline/shufflenetv2_1xb64-240e_cifar100.py',
    'configs/baseline/vgg13_cifar100.py': 'configs/baseline/vgg13_1xb64-240e_cifar100.py',
    'configs/baseline/vgg8_cifar100.py': 'configs/baseline/vgg8_1xb64-240e_cifar100.py',
    'configs/baseline/wrn16-2_cifar100.py': 'configs/baseline/wrn16-2_1xb64-240e_cifar100.py',
    'configs/baseline/wrn40-1_cifar100.py': 'configs/baseline/wrn40-1_1xb64-240e_cifar100.py',
    'configs/baseline/wrn40-2_cifar100.py': 'configs/baseline/wrn40-2_1xb64-240e_cifar100.py',
    'configs/css/css_pyramidnet110-a84_pyramidnet110-a84_cifar100.py': (
        'configs/css/css_pyramidnet110-a84_pyramidnet110-a84_1xb128-300e_cifar100.py'
    ),
    'configs/css/css_resnet110_pyramidnet110-a84_cifar100.py': (
        'configs/css/css_resnet110_pyramidnet110-a84_1xb128-300e_cifar100.py'
    ),
    'configs/css/css_resnet110_resnet110_cifar100.py': 'configs/css/css_resnet110_resnet110_1xb128-300e_cifar100.py',
    'configs/css/css_resnet110_resnet56_cifar100.py': 'configs/css/css_resnet110_resnet56_1xb128-300e_cifar100.py',
    'configs/css/css_resnet110_se-resnet110_cifar100.py': (
        'configs/css/css_resnet110_se-resnet110_1xb128-300e_cifar100.py'
    ),
    'configs/css/css_resnet20_resnet20_fashion-mnist.py': 'configs/css/css_resnet20_resnet20_1xb64-5e_fashion-mnist.py',
    'configs/css/css_resnet50_resnet50_cub200.py': 'configs/css/css_resnet50_resnet50_1xb32-205e_cub200.py',
    'configs/css/css_resnet50_resnet50_stanford-cars.py': (
        'configs/css/css_resnet50_resnet50_1xb32-205e_stanford-cars.py'
    ),
    'configs/css/css_resnet50_resnet50_stanford-dogs.py': (
        'configs/css/css_resnet50_resnet50_1xb32-205e_stanford-dogs.py'
    ),
    'configs/css/css_resnet50_resnet50_tiny-imagenet.py': (
        'configs/css/css_resnet50_resnet50_1xb128-300e_tiny-imagenet.py'
    ),
    'configs/css/css_resnet56_resnet56_cifar10.py': 'configs/css/css_resnet56_resnet56_1xb128-300e_cifar10.py',
    'configs/css/css_resnet56_resnet56_cifar100.py': 'configs/css/css_resnet56_resnet56_1xb128-300e_cifar100.py',
    'configs/css/css_resnext29-2x64d_resnext29-2x64d_cifar100.py': (
        'configs/css/css_resnext29-2x64d_resnext29-2x64d_1xb128-300e_cifar100.py'
    ),
    'configs/css/css_se-resnet110_se-resnet110_cifar100.py': (
        'configs/css/css_se-resnet110_se-resnet110_1xb128-300e_cifar100.py'
    ),
    'configs/css/css_wrn20-8_wrn20-8_cifar100.py': 'configs/css/css_wrn20-8_wrn20-8_1xb128-300e_cifar100.py',
    'configs/demo/baseline_resnet18-w16_fashion-mnist.py': 'configs/demo/resnet18-w16_1xb64-3e_fashion-mnist.py',
    'configs/demo/css_resnet18-w32_resnet18-w16_fashion-mnist.py': (
        'configs/demo/css_resnet18-w32_resnet18-w16_1xb64-3e_fashion-mnist.py'
    ),
    'configs/demo/dml_resnet18-w32_resnet18-w16_fashion-mnist.py': (
        'configs/demo/dml_resnet18-w32_resnet18-w16_1xb64-3e_fashion-mnist.py'
    ),
    'configs/demo/hssakd-online_resnet18-w32_resnet18-w16_fashion-mnist.py': (
        'configs/demo/hssakd-online_resnet18-w32_resnet18-w16_1xb64-3e_fashion-mnist.py'
    ),
    'configs/demo/hssakd-teacher-joint_resnet18-w32_fashion-mnist.py': (
        'configs/demo/hssakd-teacher-joint_resnet18-w32_1xb64-3e_fashion-mnist.py'
    ),
    'configs/demo/hssakd-teacher_resnet18-w32_fashion-mnist.py': (
        'configs/demo/hssakd-teacher_resnet18-w32_1xb64-3e_fashion-mnist.py'
    ),
    'configs/demo/hssakd_resnet18-w32_resnet18-w16_fashion-mnist.py': (
        'configs/demo/hssakd_resnet18-w32_resnet18-w16_1xb64-3e_fashion-mnist.py'
    ),
    'configs/demo/kd_resnet18-w32_resnet18-w16_fashion-mnist.py': (
        'configs/demo/kd_resnet18-w32_resnet18-w16_1xb64-3e_fashion-mnist.py'
    ),
    'configs/demo/mixskd_resnet18-w16_fashion-mnist.py': 'configs/demo/mixskd_resnet18-w16_1xb64-3e_fashion-mnist.py',
    'configs/demo/sskd-teacher_resnet18-w32_fashion-mnist.py': (
        'configs/demo/sskd-teacher_resnet18-w32_1xb64-3e_fashion-mnist.py'
    ),
    'configs/demo/sskd_resnet18-w32_resnet18-w16_fashion-mnist.py': (
        'configs/demo/sskd_resnet18-w32_resnet18-w16_1xb64-3e_fashion-mnist.py'
    ),
    'configs/demo/sssd-moco_resnet18-w16_fashion-mnist.py': (
        'configs/demo/sssd-moco_resnet18-w16_1xb128-4e_fashion-mnist.py'
    ),
    'configs/demo/sssd_resnet18-w16_fashion-mnist.py': 'configs/demo/sssd_resnet18-w16_1xb64-3e_fashion-mnist.py',
    'configs/demo/teacher_resnet18-w32_fashion-mnist.py': 'configs/demo/resnet18-w32_1xb64-3e_fashion-mnist.py',
    'configs/dml/dml_resnet32x4_resnet8x4_cifar100.py': 'configs/dml/dml_resnet32x4_resnet8x4_1xb64-240e_cifar100.py',
    'configs/dml/dml_resnet32x4_shufflenetv2_cifar100.py': (
        'configs/dml/dml_resnet32x4_shufflenetv2_1xb64-240e_cifar100.py'
    ),
    'configs/dml/dml_resnet34_resnet18_imagenet.py': 'configs/dml/dml_resnet34_resnet18_8xb32-100e_in1k.py',
    'configs/dml/dml_resnet56_resnet20_cifar100.py': 'configs/dml/dml_resnet56_resnet20_1xb64-240e_cifar100.py',
    'configs/dml/dml_vgg13_vgg8_cifar100.py': 'configs/dml/dml_vgg13_vgg8_1xb64-240e_cifar100.py',
    'configs/dml/dml_wrn40-2_wrn16-2_cifar100.py': 'configs/dml/dml_wrn40-2_wrn16-2_1xb64-240e_cifar100.py',
    'configs/hssakd/hssakd-online_resnet18x2_imagenet.py': 'configs/hssakd/hssakd-online_resnet18x2_8xb32-100e_in1k.py',
    'configs/hssakd/hssakd-online_resnet32x4x2_cifar100.py': (
        'configs/hssakd/hssakd-online_resnet32x4x2_1xb64-240e_cifar100.py'
    ),
    'configs/hssakd/hssakd-online_wrn40-2x2_cifar100.py': (
        'configs/hssakd/hssakd-online_wrn40-2x2_1xb64-240e_cifar100.py'
    ),
    'configs/hssakd/hssakd-teacher-joint_resnet32x4_cifar100.py': (
        'configs/hssakd/hssakd-teacher-joint_resnet32x4_1xb64-240e_cifar100.py'
    ),
    'configs/hssakd/hssakd-teacher-joint_resnet34_imagenet.py': (
        'configs/hssakd/hssakd-teacher-joint_resnet34_8xb32-100e_in1k.py'
    ),
    'configs/hssakd/hssakd-teacher-joint_resnet50_cifar100.py': (
        'configs/hssakd/hssakd-teacher-joint_resnet50_1xb64-240e_cifar100.py'
    ),
    'configs/hssakd/hssakd-teacher-joint_resnet56_cifar100.py': (
        'configs/hssakd/hssakd-teacher-joint_resnet56_1xb64-240e_cifar100.py'
    ),
    'configs/hssakd/hssakd-teacher-joint_vgg13_cifar100.py': (
        'configs/hssakd/hssakd-teacher-joint_vgg13_1xb64-240e_cifar100.py'
    ),
    'configs/hssakd/hssakd-teacher-joint_wrn40-2_cifar100.py': (
        'configs/hssakd/hssakd-teacher-joint_wrn40-2_1xb64-240e_cifar100.py'
    ),
    'configs/hssakd/hssakd-teacher_resnet32x4_cifar100.py': (
        'configs/hssakd/hssakd-teacher_resnet32x4_1xb64-100e_cifar100.py'
    ),
    'configs/hssakd/hssakd-teacher_resnet34_imagenet.py': 'configs/hssakd/hssakd-teacher_resnet34_8xb32-100e_in1k.py',
    'configs/hssakd/hssakd-teacher_resnet50_cifar100.py': (
        'configs/hssakd/hssakd-teacher_resnet50_1xb64-100e_cifar100.py'
    ),
    'configs/hssakd/hssakd-teacher_resnet56_cifar100.py': (
        'configs/hssakd/hssakd-teacher_resnet56_1xb64-100e_cifar100.py'
    ),
    'configs/hssakd/hssakd-teacher_vgg13_cifar100.py': 'configs/hssakd/hssakd-teacher_vgg13_1xb64-100e_cifar100.py',
    'configs/hssakd/hssakd-teacher_wrn40-2_cifar100.py': 'configs/hssakd/hssakd-teacher_wrn40-2_1xb64-100e_cifar100.py',
    'configs/hssakd/hssakd_resnet32x4_resnet8x4_cifar100.py': (
        'configs/hssakd/hssakd_resnet32x4_resnet8x4_1xb64-240e_cifar100.py'
    ),
    'configs/hssakd/hssakd_resnet32x4_shufflenetv2_cifar100.py': (
        'configs/hssakd/hssakd_resnet32x4_shufflenetv2_1xb64-240e_cifar100.py'
    ),
    'configs/hssakd/hssakd_resnet34_resnet18_imagenet.py': 'configs/hssakd/hssakd_resnet34_resnet18_8xb32-100e_in1k.py',
    'configs/hssakd/hssakd_resnet50_mobilenetv2_cifar100.py': (
        'configs/hssakd/hssakd_resnet50_mobilenetv2_1xb64-240e_cifar100.py'
    ),
    'configs/hssakd/hssakd_resnet56_resnet20_cifar100-fewshot25.py': (
        'configs/hssakd/hssakd_resnet56_resnet20_1xb64-240e_cifar100-fewshot25.py'
    ),
    'configs/hssakd/hssakd_resnet56_resnet20_cifar100-fewshot50.py': (
        'configs/hssakd/hssakd_resnet56_resnet20_1xb64-240e_cifar100-fewshot50.py'
    ),
    'configs/hssakd/hssakd_resnet56_resnet20_cifar100-fewshot75.py': (
        'configs/hssakd/hssakd_resnet56_resnet20_1xb64-240e_cifar100-fewshot75.py'
    ),
    'configs/hssakd/hssakd_resnet56_resnet20_cifar100.py': (
        'configs/hssakd/hssakd_resnet56_resnet20_1xb64-240e_cifar100.py'
    ),
    'configs/hssakd/hssakd_vgg13_mobilenetv2_cifar100.py': (
        'configs/hssakd/hssakd_vgg13_mobilenetv2_1xb64-240e_cifar100.py'
    ),
    'configs/hssakd/hssakd_vgg13_vgg8_cifar100.py': 'configs/hssakd/hssakd_vgg13_vgg8_1xb64-240e_cifar100.py',
    'configs/hssakd/hssakd_wrn40-2_shufflenetv1_cifar100.py': (
        'configs/hssakd/hssakd_wrn40-2_shufflenetv1_1xb64-240e_cifar100.py'
    ),
    'configs/hssakd/hssakd_wrn40-2_wrn16-2_cifar100.py': 'configs/hssakd/hssakd_wrn40-2_wrn16-2_1xb64-240e_cifar100.py',
    'configs/hssakd/hssakd_wrn40-2_wrn40-1_cifar100.py': 'configs/hssakd/hssakd_wrn40-2_wrn40-1_1xb64-240e_cifar100.py',
    'configs/kd/kd_resnet32x4_resnet8x4_cifar100.py': 'configs/kd/kd_resnet32x4_resnet8x4_1xb64-240e_cifar100.py',
    'configs/kd/kd_resnet32x4_shufflenetv2_cifar100.py': 'configs/kd/kd_resnet32x4_shufflenetv2_1xb64-240e_cifar100.py',
    'configs/kd/kd_resnet34_resnet18_imagenet.py': 'configs/kd/kd_resnet34_resnet18_8xb32-100e_in1k.py',
    'configs/kd/kd_resnet56_resnet20_cifar100.py': 'configs/kd/kd_resnet56_resnet20_1xb64-240e_cifar100.py',
    'configs/kd/kd_vgg13_vgg8_cifar100.py': 'configs/kd/kd_vgg13_vgg8_1xb64-240e_cifar100.py',
    'configs/kd/kd_wrn40-2_wrn16-2_cifar100.py': 'configs/kd/kd_wrn40-2_wrn16-2_1xb64-240e_cifar100.py',
    'configs/mixskd/mixskd_densenet40-12_cifar100.py': 'configs/mixskd/mixskd_densenet40-12_1xb128-205e_cifar100.py',
    'configs/mixskd/mixskd_hcgnet-a1_cifar100.py': 'configs/mixskd/mixskd_hcgnet-a1_1xb128-205e_cifar100.py',
    'configs/mixskd/mixskd_resnet18_cifar100.py': 'configs/mixskd/mixskd_resnet18_1xb128-205e_cifar100.py',
    'configs/mixskd/mixskd_resnet18_cub200.py': 'configs/mixskd/mixskd_resnet18_1xb32-205e_cub200.py',
    'configs/mixskd/mixskd_resnet18_fgvc-aircraft.py': 'configs/mixskd/mixskd_resnet18_1xb32-205e_fgvc-aircraft.py',
    'configs/mixskd/mixskd_resnet18_mit67.py': 'configs/mixskd/mixskd_resnet18_1xb32-205e_mit67.py',
    'configs/mixskd/mixskd_resnet18_stanford-cars.py': 'configs/mixskd/mixskd_resnet18_1xb32-205e_stanford-cars.py',
    'configs/mixskd/mixskd_resnet18_stanford-dogs.py': 'configs/mixskd/mixskd_resnet18_1xb32-205e_stanford-dogs.py',
    'configs/mixskd/mixskd_resnet50_imagenet.py': 'configs/mixskd/mixskd_resnet50_8xb32-300e_in1k.py',
    'configs/mixskd/mixskd_wrn16-2_cifar100.py': 'configs/mixskd/mixskd_wrn16-2_1xb128-205e_cifar100.py',
    'configs/sskd/sskd-teacher_resnet32x4_cifar100.py': 'configs/sskd/sskd-teacher_resnet32x4_1xb64-60e_cifar100.py',
    'configs/sskd/sskd-teacher_resnet34_imagenet.py': 'configs/sskd/sskd-teacher_resnet34_8xb32-10e_in1k.py',
    'configs/sskd/sskd-teacher_resnet50_cifar100.py': 'configs/sskd/sskd-teacher_resnet50_1xb64-60e_cifar100.py',
    'configs/sskd/sskd-teacher_resnet56_cifar100.py': 'configs/sskd/sskd-teacher_resnet56_1xb64-60e_cifar100.py',
    'configs/sskd/sskd-teacher_vgg13_cifar100.py': 'configs/sskd/sskd-teacher_vgg13_1xb64-60e_cifar100.py',
    'configs/sskd/sskd-teacher_wrn40-2_cifar100.py': 'configs/sskd/sskd-teacher_wrn40-2_1xb64-60e_cifar100.py',
    'configs/sskd/sskd_resnet32x4_resnet8x4_cifar100.py': (
        'configs/sskd/sskd_resnet32x4_resnet8x4_1xb64-240e_cifar100.py'
    ),
    'configs/sskd/sskd_resnet32x4_shufflenetv2_cifar100.py': (
        'configs/sskd/sskd_resnet32x4_shufflenetv2_1xb64-240e_cifar100.py'
    ),
    'configs/sskd/sskd_resnet34_resnet18_imagenet.py': 'configs/sskd/sskd_resnet34_resnet18_8xb32-100e_in1k.py',
    'configs/sskd/sskd_resnet50_mobilenetv2_cifar100.py': (
        'configs/sskd/sskd_resnet50_mobilenetv2_1xb64-240e_cifar100.py'
    ),
    'configs/sskd/sskd_resnet56_resnet20_cifar100.py': 'configs/sskd/sskd_resnet56_resnet20_1xb64-240e_cifar100.py',
    'configs/sskd/sskd_vgg13_vgg8_cifar100-fewshot25.py': (
        'configs/sskd/sskd_vgg13_vgg8_1xb64-240e_cifar100-fewshot25.py'
    ),
    'configs/sskd/sskd_vgg13_vgg8_cifar100-fewshot50.py': (
        'configs/sskd/sskd_vgg13_vgg8_1xb64-240e_cifar100-fewshot50.py'
    ),
    'configs/sskd/sskd_vgg13_vgg8_cifar100-fewshot75.py': (
        'configs/sskd/sskd_vgg13_vgg8_1xb64-240e_cifar100-fewshot75.py'
    ),
    'configs/sskd/sskd_vgg13_vgg8_cifar100-noisy10.py': 'configs/sskd/sskd_vgg13_vgg8_1xb64-240e_cifar100-noisy10.py',
    'configs/sskd/sskd_vgg13_vgg8_cifar100-noisy30.py': 'configs/sskd/sskd_vgg13_vgg8_1xb64-240e_cifar100-noisy30.py',
    'configs/sskd/sskd_vgg13_vgg8_cifar100-noisy50.py': 'configs/sskd/sskd_vgg13_vgg8_1xb64-240e_cifar100-noisy50.py',
    'configs/sskd/sskd_vgg13_vgg8_cifar100.py': 'configs/sskd/sskd_vgg13_vgg8_1xb64-240e_cifar100.py',
    'configs/sskd/sskd_wrn40-2_shufflenetv1_cifar100.py': (
        'configs/sskd/sskd_wrn40-2_shufflenetv1_1xb64-240e_cifar100.py'
    ),
    'configs/sskd/sskd_wrn40-2_wrn16-2_cifar100.py': 'configs/sskd/sskd_wrn40-2_wrn16-2_1xb64-240e_cifar100.py',
    'configs/sssd/sssd_moco_resnet18_cifar10.py': 'configs/sssd/sssd-moco_resnet18_1xb256-200e_cifar10.py',
    'configs/sssd/sssd_moco_resnet18_cifar100.py': 'configs/sssd/sssd-moco_resnet18_1xb256-200e_cifar100.py',
    'configs/sssd/sssd_moco_resnet18_cifar100_800e.py': 'configs/sssd/sssd-moco_resnet18_1xb256-800e_cifar100.py',
    'configs/sssd/sssd_moco_resnet18_cifar10_800e.py': 'configs/sssd/sssd-moco_resnet18_1xb256-800e_cifar10.py',
    'configs/sssd/sssd_moco_resnet18_fashion-mnist.py': 'configs/sssd/sssd-moco_resnet18_1xb128-4e_fashion-mnist.py',
    'configs/sssd/sssd_moco_resnet18_imagenet.py': 'configs/sssd/sssd-moco_resnet18_8xb32-200e_in1k.py',
    'configs/sssd/sssd_moco_resnet18_imagenet_800e.py': 'configs/sssd/sssd-moco_resnet18_8xb32-800e_in1k.py',
    'configs/sssd/sssd_moco_resnet50_cifar10.py': 'configs/sssd/sssd-moco_resnet50_1xb256-200e_cifar10.py',
    'configs/sssd/sssd_moco_resnet50_cifar100.py': 'configs/sssd/sssd-moco_resnet50_1xb256-200e_cifar100.py',
    'configs/sssd/sssd_moco_resnet50_cifar100_800e.py': 'configs/sssd/sssd-moco_resnet50_1xb256-800e_cifar100.py',
    'configs/sssd/sssd_moco_resnet50_cifar10_800e.py': 'configs/sssd/sssd-moco_resnet50_1xb256-800e_cifar10.py',
    'configs/sssd/sssd_moco_resnet50_imagenet.py': 'configs/sssd/sssd-moco_resnet50_8xb32-200e_in1k.py',
    'configs/sssd/sssd_moco_resnet50_imagenet_800e.py': 'configs/sssd/sssd-moco_resnet50_8xb32-800e_in1k.py',
    'configs/sssd/sssd_sd_resnet18_cifar10.py': 'configs/sssd/sssd_resnet18_1xb128-200e_cifar10.py',
    'configs/sssd/sssd_sd_resnet18_cifar100.py': 'configs/sssd/sssd_resnet18_1xb128-200e_cifar100.py',
    'configs/sssd/sssd_sd_resnet18_fashion-mnist.py': 'configs/sssd/sssd_resnet18_1xb128-4e_fashion-mnist.py',
    'configs/sssd/sssd_sd_resnet18_imagenet.py': 'configs/sssd/sssd_resnet18_8xb32-100e_in1k.py',
    'configs/transfer/mmdet/cascade-rcnn_r18-w16_fpn_fmnist-composed.py': (
        'configs/transfer/mmdet/cascade-rcnn_r18-w16_fpn_1xb8-600iter_fmnist-composed.py'
    ),
    'configs/transfer/mmdet/faster-rcnn_mobilenetv2-w0.5_fpn_fmnist-composed.py': (
        'configs/transfer/mmdet/faster-rcnn_mobilenetv2-w0.5_fpn_1xb8-600iter_fmnist-composed.py'
    ),
    'configs/transfer/mmdet/faster-rcnn_r18-w16_fpn_fmnist-composed.py': (
        'configs/transfer/mmdet/faster-rcnn_r18-w16_fpn_1xb8-600iter_fmnist-composed.py'
    ),
    'configs/transfer/mmdet/faster-rcnn_shufflenetv2-w0.5_fpn_fmnist-composed.py': (
        'configs/transfer/mmdet/faster-rcnn_shufflenetv2-w0.5_fpn_1xb8-600iter_fmnist-composed.py'
    ),
    'configs/transfer/mmseg/deeplabv3_mobilenetv2-w0.5_fmnist-composed.py': (
        'configs/transfer/mmseg/deeplabv3_mobilenetv2-w0.5_1xb8-600iter_fmnist-composed.py'
    ),
    'configs/transfer/mmseg/deeplabv3_r18-w16-d8_fmnist-composed.py': (
        'configs/transfer/mmseg/deeplabv3_r18-w16-d8_1xb8-600iter_fmnist-composed.py'
    ),
    'configs/transfer/mmseg/deeplabv3_shufflenetv2-w0.5_fmnist-composed.py': (
        'configs/transfer/mmseg/deeplabv3_shufflenetv2-w0.5_1xb8-600iter_fmnist-composed.py'
    ),
}

CONFIG_NAME = re.compile(
    r'^(?P<head>[a-z0-9.-]+(?:_[a-z0-9.-]+)*)_(?P<gpus>\d+)xb(?P<batch>\d+)-(?P<schedule>\d+(?:e|k|iter|x))'
    r'_(?P<dataset>[a-z0-9]+(?:-[a-z0-9]+)*)$'
)


def parse_config_name(path: str) -> Optional[dict]:
    """The parts of a config's name, or ``None`` when it is off the pattern.

    Args:
        path (str): a config path or file name.

    Returns:
        dict | None: ``parts`` (the method and network words before ``{N}xb{B}``), ``gpus``, ``batch``,
        ``schedule`` and ``dataset``.
    """
    m = CONFIG_NAME.match(osp.splitext(osp.basename(path))[0])
    if m is None:
        return None
    return dict(
        parts=m['head'].split('_'),
        gpus=int(m['gpus']),
        batch=int(m['batch']),
        schedule=m['schedule'],
        dataset=m['dataset'],
    )


def schedule_length(schedule: str) -> tuple:
    """``('epochs', n)`` or ``('iters', n)`` of a name's schedule part (``240e``, ``40k``, ``600iter``, ``1x``).

    Args:
        schedule (str): the schedule part of a config name.
    """
    n = int(re.match(r'\d+', schedule).group())
    if schedule.endswith('iter'):
        return 'iters', n
    if schedule.endswith('k'):
        return 'iters', n * 1000
    if schedule.endswith('x'):
        return 'epochs', n * 12
    return 'epochs', n


def _suffix(path: str) -> Optional[str]:
    """The ``configs/...`` tail of ``path`` (any prefix: absolute, ``mmkd/.mim/``), or ``None``."""
    parts = osp.normpath(path).replace(osp.sep, '/').split('/')
    if 'configs' not in parts:
        return None
    i = len(parts) - 1 - parts[::-1].index('configs')
    return '/'.join(parts[i:])


def renamed_config(path: str) -> Optional[str]:
    """The path a former config name has today, written the way ``path`` was, or ``None``.

    Args:
        path (str): a config path, e.g. ``configs/kd/kd_resnet32x4_resnet8x4_cifar100.py``, absolute or
            relative; a bare former file name is matched too.
    """
    tail = _suffix(path)
    if tail in RENAMED:
        return path[: len(path) - len(osp.join(*tail.split('/')))] + osp.join(*RENAMED[tail].split('/'))
    base = osp.basename(path)
    hits = [new for old, new in RENAMED.items() if osp.basename(old) == base]
    if len(hits) == 1:
        return osp.join(osp.dirname(path), osp.basename(hits[0])) if osp.dirname(path) else hits[0]
    return None


def missing_config_error(path: str) -> FileNotFoundError:
    """The error for a config file that does not exist, naming the new path of a renamed config.

    Args:
        path (str): the config path that was asked for.
    """
    new = renamed_config(path)
    if new is None:
        return FileNotFoundError(f'config file {path} does not exist')
    return FileNotFoundError(
        f'config file {path} does not exist: it was renamed to {new} (OpenMMLab config names, the full '
        'table of former names is in docs/config_names.md)'
    )
