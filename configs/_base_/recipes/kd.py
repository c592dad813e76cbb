# Recipe: Hinton KD (configs/_base_/methods/kd.py) on the short warm-up schedule. Slots: model.student,
# model.teacher (classifiers) and model.teacher_ckpt (the teacher stage's checkpoint).
_base_ = ['../methods/kd.py', '../schedules/fashion_mnist_warmup.py']
