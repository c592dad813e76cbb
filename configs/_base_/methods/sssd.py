# SSSD stage 3: BYOT self-distillation with shallow exits on the k-means pseudo-labels of stage 2: (1 - alpha)
# on the exits' CE, alpha on their KL to the deepest exit (alpha 0.3, tau 3), lambda 0.003 on the feature L2 hints.
# The training set is wrapped in PseudoLabelDataset; validation maps each exit's cluster to its majority class
# (ExitAccuracy). A config adds model = dict(student=...) and two facts, applied when the run is built
# (mmkd/apis/config.py), so a child config or --cfg-options num_clusters=K / ann_file=PATH changes every
# derived value: num_clusters, the classes the model predicts (head, exits, data preprocessor and
# PseudoLabelDataset follow it), and ann_file, the pseudo-labels ({num_clusters} in it is replaced by it).
_base_ = ['../default_runtime.py']

# The exits' weights multiply their sums over the exits.
model = dict(
    type='SSSDDistiller',
    loss_ce=dict(type='HeadLoss', loss_weight=1.0),  # the deepest exit: the head's own loss
    loss_ce_exits=dict(type='HeadLoss', loss_weight=0.7),  # 1 - alpha
    loss_kd=dict(type='KLDivergence', tau=3.0, loss_weight=0.3),  # alpha
    loss_feat=dict(type='FeatureHint', reduction='sum', loss_weight=0.003),  # lambda
)
default_hooks = dict(checkpoint=dict(save_best=None))
