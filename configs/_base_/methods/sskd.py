# SSKD stage 2: loss = 0.1 CE + 0.9 KD (normal rows) + 2.7 L_T (transformed rows) + 10 L_ss (similarity
# rows), temperatures 4 / 4 / 0.5; selective transfer keeps all of L_T's rows and 75 % of L_ss's wrong ones.
# A config adds the networks and both SS-head widths:
#   model = dict(student={{_base_.<net>}}, ss_head=dict(in_channels=<student width>),
#                teacher=dict(classifier={{_base_.<net>}}, ss_head=dict(in_channels=<teacher width>)))
_base_ = ['../default_runtime.py']

model = dict(
    type='SSKDDistiller',
    # the stage-1 model (its classifier_ckpt is not needed: teacher_ckpt holds every weight)
    teacher=dict(
        type='SSKDTeacher', ss_head=dict(type='SSProjectionHead'), ss_task='contrastive', transform_set='rotation3'
    ),
    # set by tools/distill.py or --cfg-options model.teacher_ckpt=PATH: the LAST checkpoint of stage 1
    teacher_ckpt=None,
    fast_teacher=dict(fold_bn=True, channels_last=True, compile=False),  # exact inference form of the frozen teacher
    ss_head=dict(type='SSProjectionHead'),
    # the official code's weights; the paper's other sources (mmkd.models.distillers.sskd.LOSS_WEIGHT_PRESETS):
    # arXiv loss_tf 10 / loss_ss 2.7, ECCV supplementary loss_tf 5 / loss_ss 3
    loss_ce=dict(type='HeadLoss', loss_weight=0.1),  # the student head's own loss
    loss_kd=dict(type='KLDivergence', tau=4.0, loss_weight=0.9),
    loss_tf=dict(type='SelectiveKLDivergence', tau=4.0, ratio=1.0, loss_weight=2.7),  # ratio: wrong rows kept
    loss_ss=dict(type='SelectiveKLDivergence', tau=0.5, ratio=0.75, loss_weight=10.0),
    components='kd+tf+ss',  # 'kd', 'kd+tf', 'ss_only' for the ablations
)
custom_hooks = [dict(type='TeacherCheckHook')]
