default_scope = 'mmkd'
# finalises the config first (derived values follow num_classes, max_epochs, ...: mmkd/apis/config.py)
runner_type = 'mmkd.engine.runner.MMKDRunner'  # the import path: launchers look it up before a default scope exists

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),  # lowered to a few lines per epoch on small data sets
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='AtomicCheckpointHook', interval=1, max_keep_ckpts=2, save_best='auto'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='VisualizationHook', enable=False),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),  # tools/train.py switches to gloo when there is no GPU
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
log_processor = dict(window_size=10)
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
