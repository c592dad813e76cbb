# Demo: CSS between the student-sized network (peers[0], evaluated) and a teacher-sized one (peers[1]).
_base_ = [
    '../_base_/models/resnet18-w32.py',
    '../_base_/models/resnet18-w16.py',
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/recipes/css.py',
]
model = dict(
    peers=[
        dict(type='CSSNetwork', backbone={{_base_.resnet18_w16.backbone}}, num_classes=10),
        dict(type='CSSNetwork', backbone={{_base_.resnet18_w32.backbone}}, num_classes=10),
    ]
)
val_evaluator = [dict(type='Accuracy', topk=(1,)), dict(type='CSSMetric')]
test_evaluator = val_evaluator
