# Demo: SSSD stage 3 — self-distillation of the student with shallow exits on the k-means pseudo-labels
# that stage 2 (tools/kmeans_pseudo_labels.py) wrote; validation maps clusters to their majority class.
_base_ = ['../_base_/models/resnet18-w16.py', '../_base_/datasets/fashion_mnist.py', '../_base_/recipes/sssd.py']
num_clusters = 50
ann_file = 'work_dirs/demo/sssd-kmeans/pseudo_labels.json'  # tools/kmeans_pseudo_labels.py --out
model = dict(
    student=dict(  # the demo student with a num_clusters-way head
        type='ImageClassifier',
        backbone={{_base_.resnet18_w16.backbone}},
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=num_clusters, in_channels=128, loss=dict(type='CrossEntropyLoss')),
    )
)
data_preprocessor = dict(num_classes=num_clusters)
train_dataloader = dict(
    dataset=dict(
        _delete_=True, type='PseudoLabelDataset', ann_file=ann_file, dataset={{_base_.train_dataloader.dataset}}
    )
)
val_evaluator = dict(_delete_=True, type='ExitAccuracy', cluster_to_class=ann_file)
test_evaluator = val_evaluator
