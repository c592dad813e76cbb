# CSS, fine-grained (Table 3 "Stanford Cars, ResNet-50": 87.72 +- 0.41): the recipe of
# ./css_resnet50_resnet50_1xb32-205e_cub200.py
# on the Stanford Cars base: two mmpretrain ResNet-50 at 224 px, trunk = stem + layer1-3 (14x14 output), 3 branches
# = copies of layer4 with 588-way joint heads. The paper's fine-grained recipe sits in its missing supplementary
# material; this is the MixSKD-style fine-grained recipe, from scratch (see docs/methods/css.md).
_base_ = [
    '../_base_/methods/css-resnet50.py',
    '../_base_/datasets/stanford_cars_224.py',
    '../_base_/schedules/css_finegrained_205e.py',
]

model = dict(peers=[dict(type='CSSNetwork', backbone={{_base_.css_resnet50_backbone}}, num_classes=196), None])

val_evaluator = [dict(type='Accuracy', topk=(1, 5)), dict(type='CSSMetric')]
test_evaluator = val_evaluator
