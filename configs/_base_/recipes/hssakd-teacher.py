# Recipe: the HSSAKD teacher stage "Teacher" (the trained classifier frozen, its branches learn the joint
# labels) on the short warm-up schedule. Slots: model.student (the teacher's classifier), model.classifier_ckpt.
# The checkpoint is selected on the branches' mean joint accuracy (evaluator: Accuracy + BranchAccuracy).
_base_ = ['../methods/hssakd-teacher.py', '../schedules/fashion_mnist_warmup.py']
