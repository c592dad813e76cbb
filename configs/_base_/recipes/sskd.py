# Recipe: SSKD stage 2 on the short warm-up schedule. Slots: model.student, model.teacher.classifier (the
# teacher's classifier) and model.teacher_ckpt (the SS-head stage's checkpoint); SS-head widths default to
# the classifier heads' in_channels.
_base_ = ['../methods/sskd.py', '../schedules/fashion_mnist_warmup.py']
