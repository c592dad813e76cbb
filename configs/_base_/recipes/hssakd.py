# Recipe: offline HSSAKD on the short warm-up schedule. Slots: model.student, model.teacher.student (the
# teacher's classifier) and model.teacher_ckpt (the teacher stage's checkpoint).
_base_ = ['../methods/hssakd.py', '../schedules/fashion_mnist_warmup.py']
