# Recipe: SSSD stage 1 (../methods/sssd-moco.py: MoCo v2 on the unlabelled training images) on the short
# Fashion-MNIST schedule. Slot: model.backbone. The data take two augmented views (MultiView) and
# SelfSupDataPreprocessor; there is no validation, so the last checkpoint goes to k-means (stage 2).
_base_ = ['../methods/sssd-moco.py', '../schedules/sssd_moco_fashion_short.py']
model = dict(
    queue_size=1024,
    momentum=0.99,  # 0.999 would leave the key encoder far behind in a short run
)
