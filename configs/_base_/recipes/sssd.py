# Recipe: SSSD stage 3 (../methods/sssd.py: BYOT self-distillation with shallow exits on the k-means
# pseudo-labels, alpha 0.3, lambda 0.003, tau 3) on the short warm-up schedule. Slot: model.student (its head
# has num_clusters classes). The training set is wrapped in PseudoLabelDataset; validation maps each exit's
# cluster to its majority class (ExitAccuracy).
_base_ = ['../methods/sssd.py', '../schedules/fashion_mnist_warmup.py']
