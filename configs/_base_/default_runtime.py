default_scope = 'mmkd'
# registers mmkd's modules in a fresh process, also under mmpretrain's scope: mmpretrain's own tools and
# APIs (get_model, get_flops.py, browse_dataset.py, the inferencers) build there
custom_imports = dict(
    imports=['mmkd.datasets', 'mmkd.engine', 'mmkd.evaluation', 'mmkd.models'], allow_failed_imports=False
)
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
