# MixSKD, ImageNet-1k, ResNet-50 (paper Table 3: 78.76 top-1). The exported backbone is the one the
# paper transfers to Cascade R-CNN (COCO) and DeepLabV3 (VOC / ADE20K / COCO-Stuff):
#   python tools/export_student.py work_dirs/mixskd_resnet50_8xb32-300e_in1k/epoch_300.pth \
#       r50_mixskd.pth --backbone-only
# 8 GPUs x 32 originals = 256 per step (512 images forwarded); b1 alone adds stages 3-5, so budget memory.
_base_ = [
    '../_base_/methods/mixskd.py',
    '../_base_/models/resnet50.py',
    '../_base_/datasets/imagenet.py',
    '../_base_/schedules/mixskd_imagenet_300e.py',
]

model = dict(student={{_base_.resnet50}}, mixup_alpha=0.2)
