# Recipe: MixSKD on the short warm-up schedule, whose 1-epoch warm-up it needs (without it the student
# collapses to the majority class). Slot: model.student.
_base_ = ['../methods/mixskd.py', '../schedules/fashion_mnist_warmup.py']
