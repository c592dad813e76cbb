# SSSD stage 3 on Fashion-MNIST, the CPU example: BYOT self-distillation of a ResNet-18 on the
# K=50 pseudo-labels that tools/kmeans_pseudo_labels.py wrote for the same 2560 training images.
_base_ = [
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/schedules/fashion_mnist_short.py',
    '../_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmkd.models.distillers.sssd', 'mmkd.datasets.pseudo_label_dataset'],
                      allow_failed_imports=False)

# The facts of this stage: num_clusters is the classes the model predicts (head, exits, data
# preprocessor, PseudoLabelDataset follow it) and ann_file the pseudo-labels ({num_clusters} is
# replaced by it); both are applied when the run is built (mmkd/apis/config.py), so a child config
# or --cfg-options num_clusters=K / ann_file=PATH changes every derived value.
num_clusters = 50  # ~50 images per cluster, the paper's CIFAR-10 ratio (1000 clusters for 50k images)
ann_file = 'work_dirs/sssd_moco_resnet18_fashion-mnist/pseudo_labels_k{num_clusters}.json'  # written by stage 2

model = dict(
    type='SSSDDistiller',
    student=dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet', depth=18, num_stages=4, out_indices=(3, ), style='pytorch'),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=num_clusters, in_channels=512,
                  loss=dict(type='CrossEntropyLoss'))),
    alpha=0.3,
    feat_weight=0.003,
    tau=3.0,
)

train_dataloader = dict(
    batch_size=128,
    dataset=dict(
        _delete_=True,
        type='PseudoLabelDataset',
        ann_file=ann_file,
        dataset=dict(type={{_base_.dataset_type}}, data_root=None, split='train',
                     num_samples=2560, pipeline={{_base_.train_pipeline}})))
# Validation on held-out images with true labels: each exit's predicted cluster is mapped to its
# majority class (the mapping stage 2 stored in ann_file); "ensemble" averages the exits' softmax.
val_dataloader = dict(dataset=dict(num_samples=2000))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='ExitAccuracy', cluster_to_class=ann_file)
test_evaluator = val_evaluator

train_cfg = dict(max_epochs=4, val_interval=2)
default_hooks = dict(checkpoint=dict(interval=4, max_keep_ckpts=1, save_best=None), logger=dict(interval=5))
