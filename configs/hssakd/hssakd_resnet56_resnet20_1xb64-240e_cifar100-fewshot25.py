# Offline HSSAKD with 25% of the CIFAR-100 training labels (stratified, seed 0: the same split for every method).
_base_ = ['./hssakd_resnet56_resnet20_1xb64-240e_cifar100.py']

train_dataloader = dict(
    dataset=dict(_delete_=True, type='FewShotDataset', ratio=0.25, seed=0, dataset={{_base_.train_dataloader.dataset}})
)
