# Demo: offline HSSAKD from the demo teacher with branches (tau 3, all four rotations).
_base_ = [
    '../_base_/models/fashion_demo.py',
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/schedules/fashion_mnist_short.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='HSSAKDDistiller',
    student={{_base_.student}},
    teacher=dict(type='SSADNet', student={{_base_.teacher}}, aux_task='ssad', pretext='rotation'),
    teacher_ckpt=None,  # set by tools/demo.py to the HSSAKD teacher stage's best checkpoint
    fast_teacher=dict(fold_bn=True, channels_last=True, compile=False),  # exact inference form of the frozen teacher
    tau=3.0,
)
custom_hooks = [dict(type='TeacherCheckHook')]
