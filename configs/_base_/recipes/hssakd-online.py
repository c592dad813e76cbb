# Recipe: online HSSAKD on the short warm-up schedule. Slot: model.peers; peer 1 (the student) is evaluated
# and exported.
_base_ = ['../methods/hssakd-online.py', '../schedules/fashion_mnist_warmup.py']
model = dict(eval_peer=1)
