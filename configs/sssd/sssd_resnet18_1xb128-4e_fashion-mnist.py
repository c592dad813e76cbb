# SSSD stage 3 on Fashion-MNIST, the CPU example: BYOT self-distillation of a ResNet-18 on the
# K=50 pseudo-labels that tools/kmeans_pseudo_labels.py wrote for the same 2560 training images.
_base_ = [
    '../_base_/methods/sssd-resnet18.py',
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/schedules/fashion_mnist_short.py',
]

# The facts of this stage (see ../_base_/methods/sssd.py): the clusters the model predicts, the pseudo-labels.
num_clusters = 50  # ~50 images per cluster, the paper's CIFAR-10 ratio (1000 clusters for 50k images)
# written by stage 2
ann_file = 'work_dirs/sssd-moco_resnet18_1xb128-4e_fashion-mnist/pseudo_labels_k{num_clusters}.json'

model = dict(
    student=dict(backbone=dict(num_stages=4, out_indices=(3,), style='pytorch'), head=dict(num_classes=num_clusters))
)

train_dataloader = dict(
    batch_size=128,
    dataset=dict(
        _delete_=True,
        type='PseudoLabelDataset',
        ann_file=ann_file,
        dataset=dict(
            type={{_base_.dataset_type}},
            data_root=None,
            split='train',
            num_samples=2560,
            pipeline={{_base_.train_pipeline}},
        ),
    ),
)
# Validation on held-out images with true labels: each exit's predicted cluster is mapped to its
# majority class (the mapping stage 2 stored in ann_file); "ensemble" averages the exits' softmax.
val_dataloader = dict(dataset=dict(num_samples=2000))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='ExitAccuracy', cluster_to_class=ann_file)
test_evaluator = val_evaluator

train_cfg = dict(max_epochs=4, val_interval=2)
default_hooks = dict(checkpoint=dict(interval=4, max_keep_ckpts=1), logger=dict(interval=5))
