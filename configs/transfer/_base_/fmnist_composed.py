# The short run of the transfer demos on the *composed* Fashion-MNIST sets (Fashion-MNIST test objects pasted on
# 128x128 canvases; tools/make_composed_fmnist.py or tools/demo.py write them): the demo's exported student and
# 600 iterations with one validation and one checkpoint at the end. Their mAP / mIoU only show that the
# transfer path works end to end. Detection: ./fmnist_composed_det.py; segmentation: ./fmnist_composed_seg.py.
_base_ = ['./student_transfer.py']
student_checkpoint = 'work_dirs/demo/student.pth'  # a tools/export_student.py output
max_iters = 600
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
