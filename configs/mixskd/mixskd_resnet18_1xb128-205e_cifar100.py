# MixSKD, CIFAR-100, ResNet-18 (paper Table 1: 80.32 +- 0.13). Every switch is spelled out here;
# see docs/methods/mixskd.md.
_base_ = [
    '../_base_/methods/mixskd.py',
    '../_base_/models/resnet18-cifar.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/mixskd_cifar_205e.py',
]

model = dict(
    student={{_base_.resnet18_cifar}},
    mixup_alpha=0.4,
    use_task_mixup_ce=True,
    use_feature_l2=True,
    use_discriminator=True,
    use_branch_logit_kd=True,
    use_self_teacher=True,
    loss_cls=dict(type='SoftmaxCrossEntropy', loss_weight=1.0),  # 2.0: the paper's CE on both sources
    loss_mixcls=dict(type='MixupCrossEntropy', loss_weight=1.0),
    loss_feat=dict(type='MSELoss', loss_weight=1.0),
    loss_dis=dict(type='DiscriminatorLoss', loss_weight=1.0),
    loss_b_logit=dict(type='KLDivergence', tau=3.0, loss_weight=1.0),
    loss_cls_h=dict(type='MixupCrossEntropy', loss_weight=1.0),
    loss_f_logit=dict(type='KLDivergence', tau=3.0, loss_weight=1.0),
    self_teacher_stages=None,  # all exits
    disc_mode='joint',
    train_discriminator=True,  # False = the authors' code (discriminators stay random)
    disc_hidden_channels=128,
    lambda_per_sample=False,
    legacy_cifar_script=False,
)

train_dataloader = dict(batch_size=128)  # originals per step; 256 images are forwarded
