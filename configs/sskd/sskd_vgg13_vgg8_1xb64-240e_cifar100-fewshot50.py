# SSKD few-shot: the student sees a class-stratified 50 % of the CIFAR-100 training images (the same
# split for every method: seed 0); the teacher and its SS head stay the full-data ones.
_base_ = ['./sskd_vgg13_vgg8_1xb64-240e_cifar100-fewshot25.py']

train_dataloader = dict(dataset=dict(ratio=0.5))
