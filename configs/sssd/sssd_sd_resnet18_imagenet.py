# SSSD stage 3 on ImageNet-1k: BYOT self-distillation of a ResNet-18 on K=5000 cluster pseudo-labels
# (M_sd is ResNet-18 whatever M_ssl is). The paper gives no SD schedule; this uses mmkd's ImageNet
# KD schedule (100 epochs, SGD 0.1 for batch 256, x0.1 at 30/60/90). See docs/methods/sssd.md.
_base_ = [
    '../_base_/datasets/imagenet.py',
    '../_base_/schedules/imagenet_100e.py',
    '../_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmkd.models.distillers.sssd', 'mmkd.datasets.pseudo_label_dataset'],
                      allow_failed_imports=False)

# The facts of this stage: num_clusters is the classes the model predicts (head, exits, data
# preprocessor, PseudoLabelDataset follow it) and ann_file the pseudo-labels ({num_clusters} is
# replaced by it); both are applied when the run is built (mmkd/apis/config.py), so a child config
# or --cfg-options num_clusters=K / ann_file=PATH changes every derived value.
num_clusters = 5000
ann_file = 'work_dirs/sssd_moco_resnet50_imagenet/pseudo_labels_k{num_clusters}.json'  # stage 2's --out (M_ssl R-50)

model = dict(
    type='SSSDDistiller',
    student=dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet', depth=18),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=num_clusters, in_channels=512,
                  loss=dict(type='CrossEntropyLoss'))),
    alpha=0.3,
    feat_weight=0.003,
    tau=3.0,
)

train_dataloader = dict(dataset=dict(_delete_=True, type='PseudoLabelDataset', ann_file=ann_file,
                                     dataset={{_base_.train_dataloader.dataset}}))
val_evaluator = dict(_delete_=True, type='ExitAccuracy', cluster_to_class=ann_file)
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=3, save_best=None))
