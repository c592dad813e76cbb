# CSS, fine-grained example (Table 3 "CUB-200-2011, ResNet-50"): two mmpretrain ResNet-50 at 224 px,
# trunk = stem + layer1-3 (14x14 output), 3 branches = copies of layer4 with 600-way joint heads
# (../_base_/methods/css-resnet50.py). The paper's fine-grained recipe sits in its missing supplementary
# material; this is the MixSKD-style fine-grained recipe (../_base_/schedules/css_finegrained_205e.py: SGD 0.1,
# wd 1e-4, batch 32, 5-epoch warm-up, x0.1 at 105/155, 205 epochs), from scratch. Numbers from it are not
# directly comparable with the paper's (see docs/methods/css.md).
_base_ = [
    '../_base_/methods/css-resnet50.py',
    '../_base_/datasets/cub_224.py',
    '../_base_/schedules/css_finegrained_205e.py',
]

model = dict(peers=[dict(type='CSSNetwork', backbone={{_base_.css_resnet50_backbone}}, num_classes=200), None])

val_evaluator = [dict(type='Accuracy', topk=(1, 5)), dict(type='CSSMetric')]
test_evaluator = val_evaluator
