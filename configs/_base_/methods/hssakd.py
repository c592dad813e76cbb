# Offline HSSAKD: the student and its branches learn from a teacher-stage SSADNet (frozen).
# A config adds model = dict(student={{_base_.<net>}}, teacher=dict(student={{_base_.<net>}})).
_base_ = ['../default_runtime.py']

model = dict(
    type='HSSAKDDistiller',
    teacher=dict(type='SSADNet', aux_task='ssad', pretext='rotation'),
    teacher_ckpt=None,  # set by tools/distill.py or --cfg-options model.teacher_ckpt=PATH (the teacher stage's)
    fast_teacher=dict(fold_bn=True, channels_last=True, compile=False),  # exact inference form of the frozen teacher
    kl_p_scope='all',  # 'upright' = vanilla KD on upright rows, 'off'
    use_kl_q=True,
    loss_ce=dict(type='HeadLoss', loss_weight=1.0),  # the student head's own loss (another type replaces it)
    loss_kl_q=dict(type='KLDivergence', tau=3.0, loss_weight=1.0),  # each branch (loss_kl_q0, loss_kl_q1, ...)
    loss_kl_p=dict(type='KLDivergence', tau=3.0, loss_weight=1.0),  # the final logits
)
custom_hooks = [dict(type='TeacherCheckHook')]
