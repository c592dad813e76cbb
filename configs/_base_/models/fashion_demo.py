# The demo's two networks under the names `student` (ResNet-18 at width 1/4) and `teacher` (width 1/2).
_base_ = ['./resnet18-w16.py', './resnet18-w32.py']
student = {{_base_.resnet18_w16}}
teacher = {{_base_.resnet18_w32}}
