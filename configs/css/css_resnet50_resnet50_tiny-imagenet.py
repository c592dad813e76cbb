# CSS, Tiny-ImageNet (Table 3 "Tiny-ImageNet, ResNet-50": 54.49 +- 0.73): two mmpretrain ResNet-50 at 64x64,
# trunk = stem + layer1-3 (4x4 output), 3 branches = copies of layer4 with 600-way joint heads. The paper's
# Tiny-ImageNet recipe sits in its missing supplementary material; this is the authors' CIFAR recipe
# (../_base_/schedules/css_cifar_300e.py: 300 epochs, SGD 0.1, wd 5e-4, batch 128, x0.1 at 150 / 225), from
# scratch, so numbers from it are not directly comparable with the paper's (see docs/methods/css.md).
_base_ = ['../_base_/methods/css.py', '../_base_/datasets/tiny_imagenet.py', '../_base_/schedules/css_cifar_300e.py']

model = dict(
    net1=dict(
        type='CSSNetwork',
        backbone=dict(
            type='ResNet', depth=50, num_stages=4, out_indices=(3,), style='pytorch', zero_init_residual=False
        ),  # branches are fresh copies without zero-init, like the trunk
        num_classes=200,
    ),
    mask_layout='code_corners',  # 1x1 corner blocks of the 4x4 trunk output
)

val_evaluator = [dict(type='Accuracy', topk=(1, 5)), dict(type='CSSMetric')]
test_evaluator = val_evaluator

train_dataloader = dict(batch_size=128)
