# Demo: HSSAKD teacher stage "Teacher" — the trained demo teacher frozen, its branches learn joint labels.
_base_ = [
    '../_base_/models/fashion_demo.py',
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/schedules/fashion_mnist_short.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='SSADNet',
    student={{_base_.teacher}},
    aux_task='ssad',
    pretext='rotation',
    freeze_classifier=True,
    classifier_ckpt=None,  # set by tools/demo.py to the teacher stage's best checkpoint
)
val_evaluator = [dict(type='Accuracy', topk=(1, )), dict(type='BranchAccuracy')]
test_evaluator = val_evaluator
