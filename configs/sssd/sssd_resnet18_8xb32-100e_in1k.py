# SSSD stage 3 on ImageNet-1k: BYOT self-distillation of a ResNet-18 on K=5000 cluster pseudo-labels
# (M_sd is ResNet-18 whatever M_ssl is). The paper gives no SD schedule; this uses mmkd's ImageNet
# KD schedule (100 epochs, SGD 0.1 for batch 256, x0.1 at 30/60/90). See docs/methods/sssd.md.
_base_ = [
    '../_base_/methods/sssd-resnet18.py',
    '../_base_/datasets/imagenet.py',
    '../_base_/schedules/imagenet_100e.py',
]

# The facts of this stage (see ../_base_/methods/sssd.py): the clusters the model predicts, the pseudo-labels.
num_clusters = 5000
# stage 2's --out (M_ssl R-50)
ann_file = 'work_dirs/sssd-moco_resnet50_8xb32-200e_in1k/pseudo_labels_k{num_clusters}.json'

model = dict(student=dict(head=dict(num_classes=num_clusters)))

train_dataloader = dict(
    dataset=dict(
        _delete_=True, type='PseudoLabelDataset', ann_file=ann_file, dataset={{_base_.train_dataloader.dataset}}
    )
)
val_evaluator = dict(_delete_=True, type='ExitAccuracy', cluster_to_class=ann_file)
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=3))
