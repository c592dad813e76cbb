# mmpretrain's ImageNet-style ResNet-18 (7x7 stem + max-pool) used at small input sizes. Its keys
# match mmdet's and mmseg's ResNet(depth=18), so an exported backbone transfers with no key fix-ups.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=18, num_stages=4, out_indices=(3, ), style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=512, loss=dict(type='CrossEntropyLoss')),
)
