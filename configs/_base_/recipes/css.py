# Recipe: CSS between two multi-branch networks on the short warm-up schedule; peers[0] (the student) is
# evaluated and exported (tools/export_student.py --css-export transfer). Slots: model.peers.0 / model.peers.1
# backbones and num_classes (evaluator: Accuracy + CSSMetric).
_base_ = ['../methods/css.py', '../schedules/fashion_mnist_warmup.py']
model = dict(peers=[dict(type='CSSNetwork'), dict(type='CSSNetwork')])
