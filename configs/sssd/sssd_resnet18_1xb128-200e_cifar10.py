# SSSD stage 3 on CIFAR-10: BYOT self-distillation of a ResNet-18 (CIFAR stem) on K=1000 cluster
# pseudo-labels from stage 2. No true label is used in training. See docs/methods/sssd.md.
_base_ = [
    '../_base_/methods/sssd-resnet18.py',
    '../_base_/datasets/sssd_cifar10.py',
    '../_base_/schedules/sssd_sd_cifar_200e.py',
]

# The facts of this stage (see ../_base_/methods/sssd.py): the clusters the model predicts, the pseudo-labels.
num_clusters = 1000
# Written by: tools/kmeans_pseudo_labels.py configs/sssd/sssd-moco_resnet18_1xb256-200e_cifar10.py CKPT
#             --num-clusters 1000 --out <this path>
ann_file = 'work_dirs/sssd-moco_resnet18_1xb256-200e_cifar10/pseudo_labels_k{num_clusters}.json'

model = dict(student=dict(backbone=dict(type='ResNet_CIFAR'), head=dict(num_classes=num_clusters)))

train_dataloader = dict(
    dataset=dict(
        _delete_=True, type='PseudoLabelDataset', ann_file=ann_file, dataset={{_base_.train_dataloader.dataset}}
    )
)
# Validation on the test set with true labels: each exit's cluster is mapped to its majority class
# (stored by stage 2); "ensemble" averages the exits' softmax.
val_evaluator = dict(_delete_=True, type='ExitAccuracy', cluster_to_class=ann_file)
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3))
