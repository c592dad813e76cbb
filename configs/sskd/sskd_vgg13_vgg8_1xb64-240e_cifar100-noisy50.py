# SSKD with noisy labels: 50 % of the student's training labels are replaced by another class (fixed by
# seed 0, the same for every method); the teacher was trained on clean labels. Every loss weight is unchanged.
_base_ = ['./sskd_vgg13_vgg8_1xb64-240e_cifar100-noisy10.py']

train_dataloader = dict(dataset=dict(noise_ratio=0.5))
