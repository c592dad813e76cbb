# What every transfer config adds to the mmdet / mmseg config it starts from: mmkd's transfer code, which reads
# every width (backbone, neck, heads) from the exported student (mmkd/transfer/widths.py); a hook that fails
# before the first step when the checkpoint does not fit the backbone (mmkd/transfer/checks.py); a fixed seed.
# The config names the student (student_checkpoint, a tools/export_student.py output) and sets
# model.backbone.init_cfg = dict(type='Pretrained', checkpoint=None, prefix='backbone.'), whose checkpoint
# follows student_checkpoint when the run is built.
custom_imports = dict(imports=['mmkd.transfer'], allow_failed_imports=False)
custom_hooks = [dict(type='BackboneLoadCheckHook')]
randomness = dict(seed=0, deterministic=False)
