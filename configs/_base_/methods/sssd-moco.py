# SSSD stage 1: MoCo v2 built from lightly's blocks (LightlyMoCo) on the unlabelled training images: MoCo v2's
# 2-layer MLP projection, temperature 0.2, a key encoder whose momentum MoCoMomentumHook anneals to 1 (the
# sssd_moco_* schedules). There is no validation, so the last checkpoint goes to k-means (stage 2).
# A config adds model = dict(backbone=..., queue_size=...) and its data: two augmented views of each image
# (MultiView, default_collate), SelfSupDataPreprocessor, val_dataloader = val_evaluator = None.
_base_ = ['../default_runtime.py']

model = dict(
    type='LightlyMoCo',
    backbone=dict(zero_init_residual=False),
    projection=dict(hidden_dim=2048, output_dim=128),  # MoCo v2's 2-layer MLP head
    tau=0.2,
    momentum=0.999,  # annealed to 1 by MoCoMomentumHook (schedule base)
)
default_hooks = dict(checkpoint=dict(save_best=None))
