# HSSAKD teacher stage "Teacher*": a classifier and its auxiliary branches trained jointly from scratch
# (CE on upright rows + joint-label CE on every branch). A config adds model = dict(student={{_base_.<net>}}).
_base_ = ['../default_runtime.py']

model = dict(
    type='SSADNet',
    aux_task='ssad',  # 'supervised' | 'selfsup' | 'multitask' | 'ssad' | 'none'
    pretext='rotation',  # 'rotation' | 'color_perm' | 'jigsaw'
    loss_ce=dict(type='HeadLoss', loss_weight=1.0),  # the classifier head's own loss (unused when frozen)
    loss_aux=dict(type='SoftmaxCrossEntropy', loss_weight=1.0),  # every branch's label loss
)
