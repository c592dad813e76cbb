# Offline HSSAKD with 50% of the CIFAR-100 training labels (stratified, seed 0: the same split for every method).
_base_ = ['./hssakd_resnet56_resnet20_1xb64-240e_cifar100-fewshot25.py']

train_dataloader = dict(dataset=dict(ratio=0.5))
