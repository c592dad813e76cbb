# HSSAKD teacher stage "Teacher": a trained classifier is frozen (eval mode, BN statistics frozen) and
# only the auxiliary branches learn the joint labels.
_base_ = ['./hssakd-teacher-joint.py']

model = dict(
    freeze_classifier=True,
    classifier_ckpt=None,  # set by tools/distill.py or --cfg-options model.classifier_ckpt=PATH
)
# the frozen classifier's accuracy never changes: keep the epoch whose branches are best (BranchAccuracy)
default_hooks = dict(checkpoint=dict(save_best='branch/joint_acc_mean', rule='greater'))
