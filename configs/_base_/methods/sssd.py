# SSSD stage 3: BYOT self-distillation with shallow exits on the k-means pseudo-labels of stage 2: (1 - alpha)
# on the exits' CE, alpha on their KL to the deepest exit (alpha 0.3, tau 3), lambda 0.003 on the feature L2 hints.
# The training set is wrapped in PseudoLabelDataset; validation maps each exit's cluster to its majority class
# (ExitAccuracy). A config adds model = dict(student=...) and two facts, applied when the run is built
# (mmkd/apis/config.py), so a child config or --cfg-options num_clusters=K / ann_file=PATH changes every
# derived value: num_clusters, the classes the model predicts (head, exits, data preprocessor and
# PseudoLabelDataset follow it), and ann_file, the pseudo-labels ({num_clusters} in it is replaced by it).
_base_ = ['../default_runtime.py']

model = dict(type='SSSDDistiller', alpha=0.3, feat_weight=0.003, tau=3.0)
default_hooks = dict(checkpoint=dict(save_best=None))
