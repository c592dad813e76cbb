# The skeleton that the classification dataset bases beside this file inherit: the preprocessor's type, a
# shuffled train loader, a val loader in order (the test loader reads the same) and top-1 accuracy. A dataset
# base adds its facts (input_size, dataset_type, data_root, num_classes), the preprocessor's statistics, the
# pipelines, each loader's batch size and workers, and each loader's dataset (type, split or folder, pipeline).
# The datasets' data_root=None follow the top-level data_root when the run is built (mmkd/apis/config.py).
data_preprocessor = dict(type='ClsDataPreprocessor')
train_dataloader = dict(
    persistent_workers=True, sampler=dict(type='DefaultSampler', shuffle=True), dataset=dict(data_root=None)
)
val_dataloader = dict(
    persistent_workers=True, sampler=dict(type='DefaultSampler', shuffle=False), dataset=dict(data_root=None)
)
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1,))
test_evaluator = val_evaluator
