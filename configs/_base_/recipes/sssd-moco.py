# Recipe: SSSD stage 1: MoCo v2 (lightly's blocks) on the unlabelled training images. Slot: model.backbone.
# The data take two augmented views (MultiView) and SelfSupDataPreprocessor; there is no validation, so the
# last checkpoint goes to k-means (stage 2).
_base_ = ['../schedules/sssd_moco_fashion_short.py', '../default_runtime.py']
custom_imports = dict(imports=['mmkd.models.selfsup', 'mmkd.engine.hooks.moco_momentum'], allow_failed_imports=False)
model = dict(
    type='LightlyMoCo',
    backbone=dict(zero_init_residual=False),
    projection=dict(hidden_dim=2048, output_dim=128),
    queue_size=1024,
    temperature=0.2,
    momentum=0.99,  # 0.999 would leave the key encoder far behind in a short run
)
default_hooks = dict(checkpoint=dict(save_best=None))
