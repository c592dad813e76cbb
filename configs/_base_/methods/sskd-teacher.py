# SSKD stage 1: fit the SS projection head of a trained classifier; the classifier is frozen and stays in
# eval mode, only the head trains (contrastive CE, tau 1). The last checkpoint is the stage-2 teacher.
# A config adds model = dict(classifier={{_base_.<net>}}, ss_head=dict(in_channels=<its feature width>)).
_base_ = ['../default_runtime.py']

model = dict(
    type='SSKDTeacher',
    classifier_ckpt=None,  # set by tools/distill.py or --cfg-options model.classifier_ckpt=PATH
    ss_head=dict(type='SSProjectionHead'),
    ss_task='contrastive',  # 'rotation', 'jigsaw', 'exemplar' (+ num_instances)
    transform_set='rotation3',  # 'paper4': colour drop / rotation / crop+resize / colour jitter
    loss_ss_head=dict(type='SoftmaxCrossEntropy', tau=1.0, loss_weight=1.0),
)
# the frozen classifier's accuracy is constant: keep the last checkpoints, not a "best" one
default_hooks = dict(checkpoint=dict(interval=10, save_best=None))
