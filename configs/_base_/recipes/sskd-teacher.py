# Recipe: SSKD stage 1 (the SS head of the trained, frozen teacher; only the head trains) on the short warm-up
# schedule. Slots: model.classifier (the teacher's classifier), model.classifier_ckpt. The frozen classifier's
# accuracy cannot change, so the last checkpoint goes to stage 2.
_base_ = ['../methods/sskd-teacher.py', '../schedules/fashion_mnist_warmup.py']
default_hooks = dict(checkpoint=dict(interval=1))
