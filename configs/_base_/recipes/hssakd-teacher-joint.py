# Recipe: the HSSAKD teacher stage "Teacher*" (teacher and branches trained jointly from scratch) on the short
# warm-up schedule. Slot: model.student. Selected on the branches' mean joint accuracy, as the frozen variant
# (evaluator: Accuracy + BranchAccuracy).
_base_ = ['../methods/hssakd-teacher-joint.py', '../schedules/fashion_mnist_warmup.py']
default_hooks = dict(checkpoint=dict(save_best='branch/joint_acc_mean', rule='greater'))
