# CSS (./css.py) between two mmpretrain ResNet-50 (ImageNet form, 7x7 stem + max-pool): trunk = stem + layer1-3,
# 3 branches = fresh copies of layer4 (without zero-init, like the trunk), (H/4)x(W/4) corner masks of the trunk
# output (3x3 of 14x14 at 224 px, 1x1 of 4x4 at 64 px). A config adds its dataset base, a schedule,
# model = dict(peers=[dict(type='CSSNetwork', backbone={{_base_.css_resnet50_backbone}}, num_classes=...), None])
# and the evaluators [Accuracy, CSSMetric].
_base_ = ['./css.py']

css_resnet50_backbone = dict(
    type='ResNet', depth=50, num_stages=4, out_indices=(3,), style='pytorch', zero_init_residual=False
)
model = dict(mask_layout='code_corners')
