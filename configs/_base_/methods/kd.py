# Hinton KD with the CRD benchmark's vanilla-KD setting (tau 4, CE 0.1, KD 0.9) and a frozen teacher.
# A config adds the networks and the data: model = dict(student={{_base_.<net>}}, teacher={{_base_.<net>}}).
_base_ = ['../default_runtime.py']

model = dict(
    type='KDDistiller',
    teacher_ckpt=None,  # set by tools/distill.py or --cfg-options model.teacher_ckpt=PATH
    fast_teacher=dict(fold_bn=True, channels_last=True, compile=False),  # exact inference form of the frozen teacher
    loss_ce=dict(type='HeadLoss', loss_weight=0.1),  # the student head's own loss (another type replaces it)
    loss_kd=dict(type='KLDivergence', tau=4.0, loss_weight=0.9),
)
custom_hooks = [dict(type='TeacherCheckHook')]
