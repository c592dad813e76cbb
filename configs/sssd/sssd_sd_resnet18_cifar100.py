# SSSD stage 3 on CIFAR-100: BYOT self-distillation of a ResNet-18 (CIFAR stem) on K=500 cluster
# pseudo-labels from stage 2. See docs/methods/sssd.md.
_base_ = [
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/sssd_sd_cifar_200e.py',
    '../_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmkd.models.distillers.sssd', 'mmkd.datasets.pseudo_label_dataset'],
                      allow_failed_imports=False)

# The facts of this stage: num_clusters is the classes the model predicts (head, exits, data
# preprocessor, PseudoLabelDataset follow it) and ann_file the pseudo-labels ({num_clusters} is
# replaced by it); both are applied when the run is built (mmkd/apis/config.py), so a child config
# or --cfg-options num_clusters=K / ann_file=PATH changes every derived value.
num_clusters = 500
ann_file = 'work_dirs/sssd_moco_resnet18_cifar100/pseudo_labels_k{num_clusters}.json'  # stage 2's --out

model = dict(
    type='SSSDDistiller',
    student=dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet_CIFAR', depth=18),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=num_clusters, in_channels=512,
                  loss=dict(type='CrossEntropyLoss'))),
    alpha=0.3,
    feat_weight=0.003,
    tau=3.0,
)

train_dataloader = dict(batch_size=128,
                        dataset=dict(_delete_=True, type='PseudoLabelDataset', ann_file=ann_file,
                                     dataset={{_base_.train_dataloader.dataset}}))
val_evaluator = dict(_delete_=True, type='ExitAccuracy', cluster_to_class=ann_file)
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3, save_best=None))
