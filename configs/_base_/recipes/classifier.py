# Recipe: one classifier trained alone with cross-entropy (the teacher stage and the student-alone row).
# `model` is the classifier itself: a named network from configs/_base_/models/, set by the chain runner
# (tools/distill.py) or by the config that inherits this recipe.
_base_ = ['../schedules/fashion_mnist_warmup.py', '../default_runtime.py']
