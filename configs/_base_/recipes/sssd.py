# Recipe: SSSD stage 3: BYOT self-distillation with shallow exits on the k-means pseudo-labels (alpha 0.3,
# lambda 0.003, tau 3). Slot: model.student (its head has num_clusters classes). The training set is wrapped
# in PseudoLabelDataset; validation maps each exit's cluster to its majority class (ExitAccuracy).
_base_ = ['../schedules/fashion_mnist_warmup.py', '../default_runtime.py']
custom_imports = dict(imports=['mmkd.models.distillers.sssd', 'mmkd.datasets.pseudo_label_dataset'],
                      allow_failed_imports=False)
model = dict(type='SSSDDistiller', alpha=0.3, feat_weight=0.003, tau=3.0)
default_hooks = dict(checkpoint=dict(save_best=None))
