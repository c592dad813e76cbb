# Demo: Hinton KD from the demo teacher (tau 4, CE 0.1 + KD 0.9 as in the CRD benchmark).
_base_ = [
    '../_base_/models/fashion_demo.py',
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/schedules/fashion_mnist_short.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='KDDistiller',
    student={{_base_.student}},
    teacher={{_base_.teacher}},
    teacher_ckpt=None,  # set by tools/demo.py to the teacher stage's best checkpoint
    fast_teacher=dict(fold_bn=True, channels_last=True, compile=False),  # exact inference form of the frozen teacher
    tau=4.0,
    ce_weight=0.1,
    kd_weight=0.9,
)
custom_hooks = [dict(type='TeacherCheckHook')]
