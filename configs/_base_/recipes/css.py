# Recipe: CSS between two multi-branch networks on the short warm-up schedule; net1 (the student) is
# evaluated and exported (tools/export_css.py --mode transfer). Slots: model.net1 / model.net2 backbones and
# num_classes (evaluator: Accuracy + CSSMetric).
_base_ = ['../methods/css.py', '../schedules/fashion_mnist_warmup.py']
model = dict(net1=dict(type='CSSNetwork'), net2=dict(_delete_=True, type='CSSNetwork'))
