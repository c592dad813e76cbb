# CSS, fine-grained (Table 3 "Stanford Dogs, ResNet-50": 71.59 +- 0.77): the recipe of ./css_resnet50_resnet50_cub200.py
# on the Stanford Dogs base: two mmpretrain ResNet-50 at 224 px, trunk = stem + layer1-3 (14x14 output), 3 branches
# = copies of layer4 with 360-way joint heads. The paper's fine-grained recipe sits in its missing supplementary
# material; this is the MixSKD-style fine-grained recipe, from scratch (see docs/methods/css.md).
_base_ = [
    '../_base_/methods/css.py',
    '../_base_/datasets/stanford_dogs_224.py',
    '../_base_/schedules/css_cifar_300e.py',
]

model = dict(
    net1=dict(
        type='CSSNetwork',
        backbone=dict(
            type='ResNet', depth=50, num_stages=4, out_indices=(3,), style='pytorch', zero_init_residual=False
        ),  # branches are fresh copies without zero-init, like the trunk
        num_classes=120,
    ),
    mask_layout='code_corners',  # 3x3 corner blocks of the 14x14 trunk output
)

val_evaluator = [dict(type='Accuracy', topk=(1, 5)), dict(type='CSSMetric')]
test_evaluator = val_evaluator

# the CSS schedule (5-epoch warm-up stepped per epoch) at 205 epochs, x0.1 at 105 / 155, weight decay 1e-4
optim_wrapper = dict(optimizer=dict(weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.2, end_factor=1.0, by_epoch=True, begin=0, end=5),
    dict(type='MultiStepLR', by_epoch=True, milestones=[105, 155], gamma=0.1),
]
train_cfg = dict(max_epochs=205)
auto_scale_lr = dict(base_batch_size=32)
