# The MixSKD Cascade R-CNN transfer protocol with 2 images per GPU (total batch 16, lr 0.02): mmdet's own
# default batch for this lr, offered beside the paper's 1 image per GPU (./cascade-rcnn_r50_fpn_8xb1-1x_coco.py).
_base_ = ['./cascade-rcnn_r50_fpn_8xb1-1x_coco.py']

train_dataloader = dict(batch_size=2)
auto_scale_lr = dict(enable=False, base_batch_size=16)
