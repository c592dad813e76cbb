# SSKD few-shot: the student sees a class-stratified 25 % of the CIFAR-100 training images (the same
# split for every method: seed 0); the teacher and its SS head stay the full-data ones (the paper keeps
# the teachers unchanged and shrinks only the students' training set).
_base_ = ['./sskd_vgg13_vgg8_1xb64-240e_cifar100.py']

train_dataloader = dict(
    dataset=dict(_delete_=True, type='FewShotDataset', ratio=0.25, seed=0, dataset={{_base_.train_dataloader.dataset}})
)
