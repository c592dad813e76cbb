# SSKD with noisy labels: 10 % of the student's training labels are replaced by another class (fixed by
# seed 0, the same for every method); the teacher was trained on clean labels. Every loss weight is unchanged.
_base_ = ['./sskd_vgg13_vgg8_1xb64-240e_cifar100.py']

train_dataloader = dict(
    dataset=dict(
        _delete_=True, type='NoisyLabelDataset', noise_ratio=0.1, seed=0, dataset={{_base_.train_dataloader.dataset}}
    )
)
