# SSSD stage 3 on CIFAR-100: BYOT self-distillation of a ResNet-18 (CIFAR stem) on K=500 cluster
# pseudo-labels from stage 2. See docs/methods/sssd.md.
_base_ = [
    '../_base_/methods/sssd-resnet18.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/sssd_sd_cifar_200e.py',
]

# The facts of this stage (see ../_base_/methods/sssd.py): the clusters the model predicts, the pseudo-labels.
num_clusters = 500
ann_file = 'work_dirs/sssd-moco_resnet18_1xb256-200e_cifar100/pseudo_labels_k{num_clusters}.json'  # stage 2's --out

model = dict(student=dict(backbone=dict(type='ResNet_CIFAR'), head=dict(num_classes=num_clusters)))

train_dataloader = dict(
    batch_size=128,
    dataset=dict(
        _delete_=True, type='PseudoLabelDataset', ann_file=ann_file, dataset={{_base_.train_dataloader.dataset}}
    ),
)
val_evaluator = dict(_delete_=True, type='ExitAccuracy', cluster_to_class=ann_file)
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3))
