# Recipe: Deep Mutual Learning on the short warm-up schedule. Slot: model.peers; peer 1 (the student) is
# evaluated and exported.
_base_ = ['../methods/dml.py', '../schedules/fashion_mnist_warmup.py']
