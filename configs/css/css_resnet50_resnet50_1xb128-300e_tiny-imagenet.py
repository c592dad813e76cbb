# CSS, Tiny-ImageNet (Table 3 "Tiny-ImageNet, ResNet-50": 54.49 +- 0.73): two mmpretrain ResNet-50 at 64x64,
# trunk = stem + layer1-3 (4x4 output), 3 branches = copies of layer4 with 600-way joint heads
# (../_base_/methods/css-resnet50.py). The paper's Tiny-ImageNet recipe sits in its missing supplementary
# material; this is the authors' CIFAR recipe (../_base_/schedules/css_cifar_300e.py: 300 epochs, SGD 0.1,
# wd 5e-4, batch 128, x0.1 at 150 / 225), from scratch, so numbers from it are not directly comparable with the
# paper's (see docs/methods/css.md).
_base_ = [
    '../_base_/methods/css-resnet50.py',
    '../_base_/datasets/tiny_imagenet.py',
    '../_base_/schedules/css_cifar_300e.py',
]

model = dict(peers=[dict(type='CSSNetwork', backbone={{_base_.css_resnet50_backbone}}, num_classes=200), None])

val_evaluator = [dict(type='Accuracy', topk=(1, 5)), dict(type='CSSMetric')]
test_evaluator = val_evaluator

train_dataloader = dict(batch_size=128)
