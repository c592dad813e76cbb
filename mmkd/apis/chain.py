"""The chain runner: a method's whole chain of stages on any dataset config, in one call.

Every stage is an ordinary run of a tool (``tools/train.py`` for training, ``tools/kmeans_pseudo_labels.py``,
``tools/export_student.py``) on an ordinary, fully merged config file that the runner writes into the
stage's folder (``<work_dir>/<stage>/config.py``), so each stage can be rerun by hand. The runner

- composes each training stage's config from the dataset config, the method's recipe
  (``configs/_base_/recipes/<stage>.py``) and the named networks (``configs/_base_/models/<name>.py``);
- hands each stage's chosen checkpoint to the next (the best checkpoint when the stage saves one on a
  metric that moves, else its last one; both read from what the run wrote into its work dir);
- resumes: a stage whose ``summary.json`` exists with the same config hash (its config, its inputs'
  hashes) is reused; a changed config reruns it and the stages after it;
- writes one summary of every stage (metrics, times, checkpoints, commands).

The stage graph of every method lives in :data:`METHODS` and nowhere else.
"""

import copy
import hashlib
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from mmengine.config import Config

from mmkd.utils.atomic_write import atomic_write

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOLS = osp.join(REPO, 'tools')
RECIPES = osp.join(REPO, 'configs', '_base_', 'recipes')
NETWORKS = osp.join(REPO, 'configs', '_base_', 'models')
DATASETS = osp.join(REPO, 'configs', '_base_', 'datasets')
DET_CONFIG = osp.join(REPO, 'configs', 'transfer', 'mmdet', 'faster-rcnn_r18-w16_fpn_1xb8-600iter_fmnist-composed.py')
SEG_CONFIG = osp.join(REPO, 'configs', 'transfer', 'mmseg', 'deeplabv3_r18-w16-d8_1xb8-600iter_fmnist-composed.py')
# transfer task -> the model it trains, the composed data folder, its headline metric
TRANSFERS = dict(
    det=dict(label='Faster R-CNN', data='fmnist_det', metric='coco/bbox_mAP'),
    seg=dict(label='DeepLabV3', data='fmnist_seg', metric='mIoU'),
)
FASHION_ROOT = '/usr/share/datasets/fashion-mnist'
# training-log lines worth echoing while a stage runs
SHOWN = (
    'Epoch(train)',
    'Epoch(val)',
    'Iter(train)',
    'Iter(val)',
    'Iter(test)',
    'Teacher top-1',
    'ERROR',
    'Error',
    'bbox_mAP',
    'wrote ',
    'exported ',
    'preflight',
)


# ----------------------------------------------------------------------------------------- the stage graph
@dataclass(frozen=True)
class Stage:
    """One stage of a method's chain.

    Args:
        name (str): the stage's folder and progress label; stages of the same name share one run.
        kind (str): ``'train'`` (tools/train.py), ``'kmeans'`` (tools/kmeans_pseudo_labels.py),
            ``'export'`` (tools/export_student.py) or ``'det'`` (detection transfer).
        recipe (str): ``configs/_base_/recipes/<recipe>.py`` (train stages).
        nets (dict): config key -> network role filled in: ``'teacher'``, ``'student'``, their
            ``'.backbone'``, or a list of roles (online peers).
        inputs (dict): config key (or tool argument) -> the earlier stage whose output it reads.
        data (str, optional): the data adapter of :data:`ADAPTERS` the stage needs.
        classes (str): what the heads classify: ``'classes'`` or ``'clusters'`` (SSSD stage 3).
        test (bool): score the chosen checkpoint on the test split (MoCo has no classifier to score).
        task (str, optional): the transfer task of a ``'transfer'`` stage (a key of :data:`TRANSFERS`).
    """

    name: str
    kind: str = 'train'
    recipe: Optional[str] = None
    nets: Dict[str, object] = field(default_factory=dict)
    inputs: Dict[str, str] = field(default_factory=dict)
    data: Optional[str] = None
    classes: str = 'classes'
    test: bool = True
    task: Optional[str] = None

    def __hash__(self):
        return hash(self.name)


@dataclass(frozen=True)
class Method:
    """A method: its stages (dependencies first), how its student is exported, its test top-1 key.

    Args:
        name (str): the ``--method`` name.
        stages (tuple[Stage]): the stages; the last one trains the student.
        export (tuple[str]): the export tool and its extra arguments.
        top1 (str): the test metric reported as top-1 (``'exit/top1_exit*'`` = the deepest exit).
    """

    name: str
    stages: Tuple[Stage, ...]
    export: Tuple[str, ...] = ('export_student.py',)
    top1: str = 'accuracy/top1'

    @property
    def student_stage(self) -> Stage:
        return self.stages[-1]


TEACHER = Stage('teacher', recipe='classifier', nets={'model': 'teacher'})
HSSAKD_STUDENT = dict(recipe='hssakd', nets={'model.student': 'student', 'model.teacher.student': 'teacher'})
METHODS = {
    m.name: m
    for m in (
        Method('baseline', (Stage('baseline', recipe='classifier', nets={'model': 'student'}),)),
        Method(
            'kd',
            (
                TEACHER,
                Stage(
                    'kd',
                    recipe='kd',
                    nets={'model.student': 'student', 'model.teacher': 'teacher'},
                    inputs={'model.teacher_ckpt': 'teacher'},
                ),
            ),
        ),
        Method(
            'dml',
            (Stage('dml', recipe='dml', nets={'model.peers': ['teacher', 'student']}),),
            export=('export_student.py', '--peer', '1'),
        ),
        Method(
            'hssakd',
            (
                TEACHER,
                Stage(
                    'hssakd-teacher',
                    recipe='hssakd-teacher',
                    nets={'model.student': 'teacher'},
                    inputs={'model.classifier_ckpt': 'teacher'},
                    data='branch_metric',
                ),
                Stage('hssakd', inputs={'model.teacher_ckpt': 'hssakd-teacher'}, **HSSAKD_STUDENT),
            ),
        ),
        Method(
            'hssakd-joint',
            (
                Stage(
                    'hssakd-teacher-joint',
                    recipe='hssakd-teacher-joint',
                    nets={'model.student': 'teacher'},
                    data='branch_metric',
                ),
                Stage('hssakd', inputs={'model.teacher_ckpt': 'hssakd-teacher-joint'}, **HSSAKD_STUDENT),
            ),
        ),
        Method(
            'hssakd-online',
            (Stage('hssakd-online', recipe='hssakd-online', nets={'model.peers': ['teacher', 'student']}),),
            export=('export_student.py', '--peer', '1'),
        ),
        Method(
            'sskd',
            (
                TEACHER,
                Stage(
                    'sskd-teacher',
                    recipe='sskd-teacher',
                    nets={'model.classifier': 'teacher'},
                    inputs={'model.classifier_ckpt': 'teacher'},
                ),
                Stage(
                    'sskd',
                    recipe='sskd',
                    nets={'model.student': 'student', 'model.teacher.classifier': 'teacher'},
                    inputs={'model.teacher_ckpt': 'sskd-teacher'},
                ),
            ),
        ),
        Method('mixskd', (Stage('mixskd', recipe='mixskd', nets={'model.student': 'student'}),)),
        Method(
            'css',
            (
                Stage(
                    'css',
                    recipe='css',
                    nets={'model.peers.0.backbone': 'student.backbone', 'model.peers.1.backbone': 'teacher.backbone'},
                    data='css_metric',
                ),
            ),
            export=('export_student.py', '--peer', '0', '--css-export', 'transfer'),
        ),
        Method(
            'sssd',
            (
                Stage(
                    'sssd-moco',
                    recipe='sssd-moco',
                    nets={'model.backbone': 'student.backbone'},
                    data='moco_views',
                    test=False,
                ),
                Stage('sssd-kmeans', kind='kmeans', inputs={'checkpoint': 'sssd-moco'}),
                Stage(
                    'sssd',
                    recipe='sssd',
                    nets={'model.student': 'student'},
                    classes='clusters',
                    inputs={'ann_file': 'sssd-kmeans'},
                    data='pseudo_labels',
                ),
            ),
            top1='exit/top1_exit*',
        ),
    )
}
METHOD_NAMES = ('baseline', 'kd', 'dml', 'hssakd', 'hssakd-online', 'sskd', 'mixskd', 'css', 'sssd')


def get_method(name: str, hssakd_teacher: str = 'frozen') -> Method:
    """The :class:`Method` called ``name``; ``hssakd_teacher`` picks HSSAKD's teacher stage."""
    if name not in METHOD_NAMES:
        raise ValueError(f'unknown method {name!r}; choose from {list(METHOD_NAMES)}')
    if hssakd_teacher not in ('frozen', 'joint'):
        raise ValueError(
            f'hssakd_teacher={hssakd_teacher!r}: choose "frozen" (the trained teacher frozen, '
            'branches only) or "joint" (teacher and branches trained together)'
        )
    if name == 'hssakd' and hssakd_teacher == 'joint':
        return METHODS['hssakd-joint']
    return METHODS[name]


def plan(methods: Sequence[Method], teacher_ckpt: Optional[str] = None) -> List[Stage]:
    """The stages of ``methods`` in run order, each once; the teacher stage is left out when a
    ``teacher_ckpt`` is given (it is then the teacher's checkpoint)."""
    order, seen = [], {}
    for method in methods:
        for stage in method.stages:
            if stage.name == 'teacher' and teacher_ckpt:
                continue
            if stage.name in seen and seen[stage.name] != stage:
                raise ValueError(
                    f'methods {[m.name for m in methods]} define two different stages named '
                    f'{stage.name!r}; run them in separate work dirs'
                )
            if stage.name not in seen:
                seen[stage.name] = stage
                order.append(stage)
    return order


def export_stage(method: Method, name: str = 'export') -> Stage:
    """Export ``method``'s student (a stage called ``name``; one per exported student)."""
    return Stage(name, kind='export', inputs={'checkpoint': method.student_stage.name})


def transfer_stage(task: str, export: str = 'export', name: Optional[str] = None) -> Stage:
    """Detection (``'det'``) or segmentation (``'seg'``) transfer of the student exported by stage ``export``.

    Args:
        task (str): a key of :data:`TRANSFERS`.
        export (str): the export stage whose student is the backbone.
        name (str, optional): the stage's name (default: ``task``).
    """
    if task not in TRANSFERS:
        raise ValueError(f'--transfer {task!r}: choose from {", ".join(TRANSFERS)}')
    return Stage(name or task, kind='transfer', task=task, inputs={'student_checkpoint': export})


def det_stage() -> Stage:
    return transfer_stage('det')


# ------------------------------------------------------------------------------------ config composition
def available(folder: str) -> List[str]:
    """The config names in ``folder``; a leading ``_`` marks a skeleton other bases inherit, not a choice."""
    return sorted(osp.splitext(f)[0] for f in os.listdir(folder) if f.endswith('.py') and not f.startswith('_'))


def network_of(cfg: Config, path: str) -> Optional[dict]:
    """The classifier a network file defines: ``model``, or its one top-level ``ImageClassifier`` dict
    (the files of ``configs/_base_/models`` bind it to their own name, e.g. ``resnet18_w16``)."""
    if isinstance(cfg.get('model'), dict):
        return cfg.model.to_dict()
    found = [v for k, v in cfg.items() if isinstance(v, dict) and v.get('type') == 'ImageClassifier']
    own = osp.splitext(osp.basename(path))[0].replace('-', '_')
    if own in cfg and isinstance(cfg[own], dict):
        return cfg[own].to_dict()
    return found[0].to_dict() if len(found) == 1 else None


def network_names() -> List[str]:
    return [
        n
        for n in available(NETWORKS)
        if network_of(Config.fromfile(osp.join(NETWORKS, n + '.py')), osp.join(NETWORKS, n + '.py'))
    ]


def load_network(name: str) -> dict:
    """The classifier dict of ``configs/_base_/models/<name>.py`` (or of a config file path)."""
    path = name if name.endswith('.py') else osp.join(NETWORKS, f'{name}.py')
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'network {name!r}: {path} does not exist; available names: '
            f'{", ".join(network_names())} (or pass a config file that defines one '
            'ImageClassifier dict)'
        )
    model = network_of(Config.fromfile(path), path)
    if model is None or 'backbone' not in model:
        raise ValueError(
            f'network {name!r}: {path} must define one classifier dict, e.g. '
            f'{osp.splitext(osp.basename(path))[0].replace("-", "_")} = dict(type="ImageClassifier", '
            'backbone=..., neck=..., head=...)'
        )
    return model


def resolve_dataset(dataset: str) -> str:
    """A dataset config path: a file, or the name of one in ``configs/_base_/datasets/``."""
    if osp.isfile(dataset):
        return osp.abspath(dataset)
    path = osp.join(DATASETS, dataset if dataset.endswith('.py') else f'{dataset}.py')
    if osp.isfile(path):
        return path
    raise FileNotFoundError(
        f'dataset config {dataset!r} does not exist (neither a file nor one of '
        f'configs/_base_/datasets/: {", ".join(available(DATASETS))})'
    )


def get_key(cfg: dict, key: str):
    node = cfg
    for part in key.split('.'):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def set_key(cfg: dict, key: str, value) -> None:
    """Set ``a.b.c`` in nested dicts/lists, creating missing dicts."""
    parts = key.split('.')
    node = cfg
    for part in parts[:-1]:
        if isinstance(node, list):
            node = node[int(part)]
        else:
            if node.get(part) is None:
                node[part] = {}
            node = node[part]
    node[parts[-1]] = value


def merge(base: dict, over: dict) -> dict:
    """``over`` merged into a copy of ``base`` (dicts recursively, ``_delete_=True`` replaces)."""
    out = copy.deepcopy(base) if isinstance(base, dict) else {}
    for key, value in over.items():
        if isinstance(value, dict) and not value.get('_delete_') and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        elif isinstance(value, dict):
            out[key] = {k: copy.deepcopy(v) for k, v in value.items() if k != '_delete_'}
        else:
            out[key] = copy.deepcopy(value)
    return out


def set_num_classes(node, num_classes: int) -> None:
    """Every classifier head (``head.num_classes``) and CSS network (``num_classes``) under ``node``."""
    if isinstance(node, list):
        for item in node:
            set_num_classes(item, num_classes)
        return
    if not isinstance(node, dict):
        return
    if node.get('type') == 'CSSNetwork':
        node['num_classes'] = num_classes
    head = node.get('head')
    if isinstance(head, dict) and 'num_classes' in head:
        head['num_classes'] = num_classes
    for key, value in node.items():
        if key != 'head':
            set_num_classes(value, num_classes)


def warmup_cosine(epochs: int) -> list:
    """The recipes' schedule for ``epochs``: a 1-epoch linear warm-up, then cosine to 0 (per iteration)."""
    sched = [dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1, convert_to_iter_based=True)]
    if epochs > 1:
        sched.append(
            dict(
                type='CosineAnnealingLR',
                by_epoch=True,
                begin=1,
                end=epochs,
                T_max=epochs - 1,
                eta_min=0.0,
                convert_to_iter_based=True,
            )
        )
    return sched


def _without(pipeline: list, types: Sequence[str]) -> list:
    return [copy.deepcopy(t) for t in pipeline if t.get('type') not in types]


def moco_views(cfg: dict, ctx: dict) -> None:
    """MoCo's data: two augmented views per image, stacked by ``default_collate``, no validation."""
    size = int(cfg.get('input_size') or 32)
    test_pipeline = cfg['test_dataloader']['dataset']['pipeline']
    views = [
        dict(type='RandomResizedCrop', scale=size, crop_ratio_range=(0.2, 1.0)),
        dict(type='RandomApply', transforms=[dict(type='ColorJitter', brightness=0.4, contrast=0.4)], prob=0.8),
        dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    ]
    pipeline = _without(test_pipeline, ('PackInputs',)) + [
        dict(type='MultiView', num_views=2, transforms=[views]),
        dict(type='PackInputs'),
    ]
    loader = cfg['train_dataloader']
    loader.update(drop_last=True, collate_fn=dict(type='default_collate'))
    loader['dataset']['pipeline'] = pipeline
    pre = cfg.get('data_preprocessor') or {}
    cfg['data_preprocessor'] = dict(
        type='SelfSupDataPreprocessor', mean=pre.get('mean'), std=pre.get('std'), to_rgb=pre.get('to_rgb', False)
    )
    cfg['val_dataloader'] = cfg['val_evaluator'] = cfg['val_cfg'] = None


def pseudo_labels(cfg: dict, ctx: dict) -> None:
    """SSSD stage 3's data: the training set with k-means pseudo-labels; clusters mapped to classes for val."""
    ann = ctx['ann_file']
    cfg['train_dataloader']['dataset'] = dict(
        type='PseudoLabelDataset', ann_file=ann, dataset=cfg['train_dataloader']['dataset']
    )
    cfg['val_evaluator'] = cfg['test_evaluator'] = dict(type='ExitAccuracy', cluster_to_class=ann)


def _add_metric(metric: dict) -> Callable:
    def adapt(cfg: dict, ctx: dict) -> None:
        for key in ('val_evaluator', 'test_evaluator'):
            ev = cfg.get(key)
            if ev is None:
                continue
            ev = list(ev) if isinstance(ev, (list, tuple)) else [ev]
            if not any(e.get('type') == metric['type'] for e in ev):
                ev.append(dict(metric))
            cfg[key] = ev

    return adapt


ADAPTERS = dict(
    moco_views=moco_views,
    pseudo_labels=pseudo_labels,
    branch_metric=_add_metric(dict(type='BranchAccuracy')),
    css_metric=_add_metric(dict(type='CSSMetric')),
)


@dataclass
class ChainOptions:
    """What a chain run is made of, besides its stages.

    Args:
        dataset (str): dataset config (file, or name in ``configs/_base_/datasets``).
        teacher / student (str): network names (``configs/_base_/models/<name>.py``) or config files.
        num_classes (int, optional): overrides the dataset config's ``num_classes``.
        num_clusters (int, optional): SSSD's k-means K; overrides the dataset config's ``num_clusters``.
        epochs (int, optional): epochs of every training stage (schedule rewritten to match).
        batch_size / workers (int, optional): training batch size and loader workers of every stage.
        teacher_ckpt (str, optional): a trained teacher; replaces the teacher stage.
        dataset_options (dict): dotted key -> value applied to the dataset config (before the recipe).
        cfg_options (dict): dotted key -> value applied to every training stage (last).
        stage_options (dict): stage name -> {dotted key: value} for that stage only; the key ``'epochs'``
            gives that stage its own number of epochs (schedule rewritten to match), e.g. a longer MoCo.
        preflight (bool): run ``tools/train.py --preflight`` where the tool has it.
        force (bool): rerun every stage.
        det_config / seg_config / det_iters / det_images / det_data_root / transfer_data_dir: the transfer
            configs, their iterations, the composed train / val canvases, the Fashion-MNIST IDX folder they
            are pasted from and the folder the sets are written to (default: the seed's work dir).
    """

    dataset: str
    teacher: str = 'resnet18-w32'
    student: str = 'resnet18-w16'
    num_classes: Optional[int] = None
    num_clusters: Optional[int] = None
    epochs: Optional[int] = None
    batch_size: Optional[int] = None
    workers: Optional[int] = None
    teacher_ckpt: Optional[str] = None
    dataset_options: dict = field(default_factory=dict)
    cfg_options: dict = field(default_factory=dict)
    stage_options: dict = field(default_factory=dict)
    preflight: bool = True
    force: bool = False
    det_config: str = DET_CONFIG
    det_iters: int = 200
    det_images: Tuple[int, int] = (400, 150)
    det_data_root: str = FASHION_ROOT
    seg_config: str = SEG_CONFIG
    transfer_data_dir: Optional[str] = None


def _plain(cfg) -> dict:
    return cfg.to_dict() if hasattr(cfg, 'to_dict') else dict(cfg)


def load_dataset(opts: 'ChainOptions') -> dict:
    """The dataset config as a plain dict, with ``opts.dataset_options`` applied."""
    cfg = _plain(Config.fromfile(resolve_dataset(opts.dataset)))
    for key, value in opts.dataset_options.items():
        set_key(cfg, key, copy.deepcopy(value))
    return cfg


def dataset_facts(dataset_cfg: dict, opts: ChainOptions) -> Tuple[int, Optional[int]]:
    """(num_classes, num_clusters) from the options, else from the dataset config."""
    num_classes = (
        opts.num_classes
        or dataset_cfg.get('num_classes')
        or (dataset_cfg.get('data_preprocessor') or {}).get('num_classes')
    )
    if not num_classes:
        raise ValueError(
            f'{opts.dataset}: the dataset config sets no num_classes (top level or '
            'data_preprocessor.num_classes); set it there or pass --num-classes N'
        )
    return int(num_classes), opts.num_clusters or dataset_cfg.get('num_clusters')


def compose_train_config(stage: Stage, opts: ChainOptions, seed: int, work_dir: str, inputs: Dict[str, str]) -> dict:
    """The fully merged config of a training stage, as a plain dict.

    Order: dataset config <- recipe <- data adapter <- networks <- num_classes <- checkpoints from the
    earlier stages <- epochs / batch / workers <- ``cfg_options`` <- ``stage_options`` <- seed, work_dir.
    """
    dataset_cfg = load_dataset(opts)
    recipe_path = osp.join(RECIPES, f'{stage.recipe}.py')
    if not osp.isfile(recipe_path):
        raise FileNotFoundError(f'stage {stage.name}: recipe {recipe_path} does not exist')
    cfg = merge(dataset_cfg, _plain(Config.fromfile(recipe_path)))
    num_classes, num_clusters = dataset_facts(dataset_cfg, opts)
    if stage.data:
        ADAPTERS[stage.data](cfg, inputs)
    nets = dict(teacher=load_network(opts.teacher), student=load_network(opts.student))
    for key, role in stage.nets.items():
        value = [_role(nets, r) for r in role] if isinstance(role, list) else _role(nets, role)
        existing = _get_or_none(cfg, key)
        if isinstance(existing, dict) and isinstance(value, dict):
            value = merge(value, existing)  # the recipe's settings of the slot (e.g. zero_init_residual)
        set_key(cfg, key, value)
    k = num_classes
    if stage.classes == 'clusters':
        if not num_clusters:
            raise ValueError(
                f'stage {stage.name}: SSSD needs num_clusters (K of k-means); set num_clusters in '
                f'{opts.dataset} or pass --num-clusters K'
            )
        k = int(num_clusters)
    set_num_classes(cfg['model'], k)
    if (
        isinstance(cfg.get('data_preprocessor'), dict)
        and cfg['data_preprocessor'].get('type') != 'SelfSupDataPreprocessor'
    ):
        cfg['data_preprocessor']['num_classes'] = k
    # the top-level facts that mmkd.apis.config.finalize_config re-derives from: num_clusters only where
    # the model predicts clusters (elsewhere it would replace num_classes)
    cfg['num_classes'] = num_classes
    cfg.pop('num_clusters', None)
    if stage.classes == 'clusters':
        cfg['num_clusters'] = k
        cfg['ann_file'] = inputs['ann_file']
    for key, value in inputs.items():
        if key != 'ann_file':
            set_key(cfg, key, value)
    own = dict(opts.stage_options.get(stage.name, {}))
    epochs = own.pop('epochs', None) or opts.epochs
    if epochs:
        cfg['train_cfg']['max_epochs'] = epochs
        cfg['max_epochs'] = epochs
        cfg['param_scheduler'] = (
            warmup_cosine(epochs)
            if stage.recipe != 'sssd-moco'
            else [dict(type='CosineAnnealingLR', by_epoch=True, T_max=epochs, eta_min=0.0, convert_to_iter_based=True)]
        )
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(loader) is None:
            continue
        if opts.batch_size and loader == 'train_dataloader':
            cfg[loader]['batch_size'] = opts.batch_size
        if opts.workers is not None:
            cfg[loader]['num_workers'] = opts.workers
            cfg[loader]['persistent_workers'] = opts.workers > 0
    for key, value in {**opts.cfg_options, **own}.items():
        set_key(cfg, key, copy.deepcopy(value))
    cfg['randomness'] = dict(cfg.get('randomness') or {}, seed=seed)
    cfg['work_dir'] = work_dir
    check_selection(stage, cfg)
    declare_helper_keys(cfg)
    return cfg


def declare_helper_keys(cfg: dict) -> None:
    """List the dataset config's helper variables (known to its bases, which the merged file no longer
    names) in ``custom_keys``, so the start-up check of unknown top-level keys accepts them."""
    try:
        from mmkd.utils.config_check import known_keys
    except ImportError:
        return
    extra = sorted(k for k in cfg if k not in known_keys() and not k.startswith('_'))
    if extra:
        cfg['custom_keys'] = sorted(set(cfg.get('custom_keys') or []) | set(extra))


def _role(nets: dict, role: str) -> dict:
    name, _, part = role.partition('.')
    net = copy.deepcopy(nets[name])
    return net[part] if part else net


def _get_or_none(cfg: dict, key: str):
    try:
        return get_key(cfg, key)
    except (KeyError, IndexError, TypeError):
        return None


def check_selection(stage: Stage, cfg: dict) -> None:
    """A frozen classifier's accuracy cannot move: selecting a checkpoint on it keeps epoch 1."""
    model = cfg.get('model') or {}
    frozen = model.get('freeze_classifier') or model.get('type') == 'SSKDTeacher'
    save_best = ((cfg.get('default_hooks') or {}).get('checkpoint') or {}).get('save_best')
    if frozen and save_best in ('auto', 'accuracy/top1', 'accuracy/top5'):
        raise ValueError(
            f'stage {stage.name}: default_hooks.checkpoint.save_best={save_best!r} selects on the '
            'accuracy of a frozen classifier, which never changes; select on a metric the stage '
            "trains (e.g. 'branch/joint_acc_mean') or set save_best=None to keep the last checkpoint"
        )


def config_text(cfg: dict) -> str:
    return Config(cfg).pretty_text


def digest(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode())
        h.update(b'\0')
    return h.hexdigest()[:16]


# ----------------------------------------------------------------------------------------- running stages
def short_line(line: str, width: int = 200) -> str:
    """A log line without mmengine's date / logger prefix, cut at ``width`` characters."""
    text = re.sub(r'^\d\d/\d\d \d\d:\d\d:\d\d - \w+ - \w+ - ', '', line.rstrip())
    return text if len(text) <= width else text[: width - 3] + '...'


def run_logged(cmd: List[str], log_path: str, echo: bool = True) -> None:
    """Run ``cmd`` from the repo root, keep its whole output in ``log_path``, echo progress lines."""
    os.makedirs(osp.dirname(log_path), exist_ok=True)
    with open(log_path, 'w', buffering=1) as log:  # line-buffered: `tail -f` works
        proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=dict(os.environ, PYTHONUNBUFFERED='1'),
        )
        for line in proc.stdout:
            log.write(line)
            if echo and any(key in line for key in SHOWN):
                print('    ' + short_line(line), flush=True)
        proc.wait()
    if proc.returncode != 0:
        with open(log_path) as f:
            tail = f.readlines()[-40:]
        raise ChainError(
            f'`{" ".join(cmd)}` failed (exit {proc.returncode}); last lines of {log_path}:\n' + ''.join(tail)
        )


class ChainError(RuntimeError):
    """A stage failed; the message names the command and shows the end of its log."""


_PREFLIGHT = {}


def train_has_preflight() -> bool:
    """Whether tools/train.py offers ``--preflight`` (one train + one val step before training)."""
    if 'yes' not in _PREFLIGHT:
        with open(osp.join(TOOLS, 'train.py')) as f:
            _PREFLIGHT['yes'] = "'--preflight'" in f.read()
    return _PREFLIGHT['yes']


def newest_log(work_dir: str) -> Optional[str]:
    """The text log of the newest run in ``work_dir`` (``<timestamp>/<timestamp>.log``)."""
    runs = sorted(d for d in os.listdir(work_dir) if osp.isfile(osp.join(work_dir, d, f'{d}.log')))
    return osp.join(work_dir, runs[-1], f'{runs[-1]}.log') if runs else None


def chosen_checkpoint(work_dir: str, cfg: dict) -> Tuple[str, str]:
    """(checkpoint, rule): the best one when the stage saves best on a metric, else the last one.

    The last checkpoint is what mmengine wrote to ``<work_dir>/last_checkpoint``; the best one is the
    file the run's own log announces ("The best checkpoint ... is saved to best_....pth").
    """
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        last = f.read().strip()
    save_best = ((cfg.get('default_hooks') or {}).get('checkpoint') or {}).get('save_best')
    if not save_best or cfg.get('val_cfg') is None or cfg.get('val_dataloader') is None:
        return last, 'last'
    log = newest_log(work_dir)
    best = None
    if log:
        with open(log) as f:
            for line in f:
                if 'The best checkpoint with' in line and 'is saved to' in line:
                    best = line.rsplit('is saved to', 1)[1].strip().rstrip('.')
                    # "... with 66.6667 accuracy/top1 at 1 epoch ...": the metric 'auto' resolved to
                    words = line.split('The best checkpoint with', 1)[1].split()
                    save_best = words[1] if len(words) > 1 else save_best
    if best is None:
        raise ChainError(
            f'{work_dir}: save_best={save_best!r} is set but the run logged no best checkpoint '
            f'(see {log}); is the metric among the evaluator\'s outputs?'
        )
    path = best if osp.isabs(best) else osp.join(work_dir, best)
    if not osp.isfile(path):
        raise ChainError(f'{work_dir}: the logged best checkpoint {path} does not exist')
    return path, f'best {save_best}'


def val_metrics(work_dir: str) -> Dict[str, Dict[str, float]]:
    """Per validation metric: last and best value and the step of the best (from the json log)."""
    from mmkd.utils.logs import load_scalars

    records = [r for r in load_scalars(work_dir) if 'lr' not in r and 'loss' not in r]
    keys = sorted({k for r in records for k in r if k not in ('step', 'time', 'data_time', 'epoch', 'iter')})
    out = {}
    for key in keys:
        series = [(r.get('step'), float(r[key])) for r in records if key in r]
        best = max(range(len(series)), key=lambda i: series[i][1])
        out[key] = dict(last=series[-1][1], best=series[best][1], best_step=series[best][0], last_step=series[-1][0])
    return out


def top1_of(metrics: dict, key: str) -> Optional[float]:
    """``metrics[key]``; ``'prefix*'`` picks the key with the highest trailing number (SSSD's deepest exit)."""
    if key.endswith('*'):
        hits = sorted((k for k in metrics if k.startswith(key[:-1])), key=lambda k: int(k[len(key) - 1 :] or 0))
        key = hits[-1] if hits else key
    value = metrics.get(key)
    return None if value is None else float(value)


def contrastive_chance_warning(work_dir: str, cfg: dict, ratio: float = 0.95) -> Optional[str]:
    """Why a MoCo run learned nothing, or None: its InfoNCE loss ended near ln(queue_size + 1).

    With one positive among ``queue_size`` negatives, a query that matches its key no better than the
    queue scores exactly ln(queue_size + 1); the mean of the last fifth of the logged losses above
    ``ratio`` times that is "at chance".
    """
    import math

    from mmkd.utils.logs import load_scalars

    model = cfg.get('model') or {}
    if not str(model.get('type', '')).endswith('MoCo'):
        return None
    from mmkd.models.selfsup.moco_lightly import DEFAULT_QUEUE_SIZE

    queue = int(model.get('queue_size') or DEFAULT_QUEUE_SIZE)
    try:
        losses = [r['loss'] for r in load_scalars(work_dir) if 'loss' in r]
    except FileNotFoundError:
        return None
    if not losses:
        return None
    tail = losses[-max(1, len(losses) // 5) :]
    final, chance = sum(tail) / len(tail), math.log(queue + 1)
    if final < ratio * chance:
        return None
    return (
        f'the contrastive loss ended at {final:.2f}, chance for a queue of {queue} keys is ln({queue + 1}) = '
        f'{chance:.2f}: MoCo learned nothing, so its features are no better than a random initialisation. '
        'Train it longer (SSSD\'s paper: 200-800 epochs) or on more images, or shrink model.queue_size.'
    )


def write_json(path: str, data: dict) -> None:
    """Write ``data`` atomically (a half-written summary never exists)."""
    with atomic_write(path) as f:
        json.dump(data, f, indent=1, sort_keys=True)


def read_json(path: str) -> Optional[dict]:
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


class ChainRunner:
    """Runs stages in order under one seed, in ``work_dir/<stage>``; see the module docstring.

    Args:
        work_dir (str): the folder of every stage of this seed.
        opts (ChainOptions): what the stages are made of.
        seed (int): ``randomness.seed`` of every stage (and k-means').
        progress (callable, optional): ``progress(stage_name, status, seconds)`` after each stage,
            used for the job-wide ETA.
        label (str): printed after the stage name (e.g. ``'seed 1'``).
    """

    def __init__(
        self, work_dir: str, opts: ChainOptions, seed: int = 0, progress: Optional['Progress'] = None, label: str = ''
    ):
        self.work_dir, self.opts, self.seed = osp.abspath(work_dir), opts, seed
        self.progress = progress or Progress(0)
        self.label = label
        self.records: Dict[str, dict] = {}

    # ---------------------------------------------------------------- one stage
    def run(self, stages: Sequence[Stage], methods: Sequence[Method] = ()) -> Dict[str, dict]:
        """Run ``stages`` in order (finished ones are reused); return every stage's record."""
        self.owner = {m.student_stage.name: m for m in methods}
        if self.opts.teacher_ckpt:
            path = osp.abspath(self.opts.teacher_ckpt)
            if not osp.isfile(path):
                raise FileNotFoundError(f'--teacher-ckpt {self.opts.teacher_ckpt} does not exist')
            self.records['teacher'] = dict(
                stage='teacher',
                kind='given',
                checkpoint=path,
                checkpoint_rule='given',
                config_hash=digest(path, str(osp.getmtime(path))),
            )
        for stage in stages:
            missing = [s for s in stage.inputs.values() if s not in self.records]
            if missing:
                raise ValueError(
                    f'stage {stage.name} needs the output of {missing}, which no earlier stage made '
                    '(the teacher stage is skipped only with --teacher-ckpt)'
                )
            method = self.owner.get(stage.name) or self.owner.get(stage.inputs.get('checkpoint'))
            self.records[stage.name] = self.run_stage(stage, method)
        return self.records

    def run_stage(self, stage: Stage, method: Optional[Method] = None) -> dict:
        work = osp.join(self.work_dir, stage.name)
        upstream = {key: self.records[src] for key, src in stage.inputs.items()}
        inputs = {key: rec['output'] if key == 'ann_file' else rec['checkpoint'] for key, rec in upstream.items()}
        builder = getattr(self, f'_prepare_{stage.kind}')
        text, job = builder(stage, work, inputs, method)
        config_hash = digest(text, *[upstream[k]['config_hash'] for k in sorted(upstream)])
        summary_path = osp.join(work, 'summary.json')
        rec = read_json(summary_path)
        tag = self.progress.tag(stage.name, self.label)
        if rec and rec.get('config_hash') == config_hash and not self.opts.force:
            print(f'{tag} reusing the finished run in {work}', flush=True)
            self.progress.done(stage.name, reused=True)
            return rec
        os.makedirs(work, exist_ok=True)
        if osp.exists(summary_path):
            os.remove(summary_path)  # an interrupted rerun must not look finished
        print(f'{tag} {job["what"]} -> {work}', flush=True)
        start = time.time()
        rec = job['run']()
        rec.update(
            stage=stage.name,
            kind=stage.kind,
            seed=self.seed,
            config_hash=config_hash,
            inputs=inputs,
            seconds=round(time.time() - start, 1),
            finished=time.strftime('%Y-%m-%d %H:%M:%S'),
        )
        write_json(summary_path, rec)
        self.progress.done(stage.name, seconds=rec['seconds'])
        print(
            f'{tag} done in {rec["seconds"] / 60:.1f} min (job {self.progress.elapsed() / 60:.1f} min)'
            f'{self.progress.eta()}',
            flush=True,
        )
        return rec

    # ---------------------------------------------------------------- stage kinds
    def _prepare_train(self, stage, work, inputs, method):
        cfg = compose_train_config(stage, self.opts, self.seed, work, inputs)
        text = config_text(cfg)
        config = osp.join(work, 'config.py')
        cmd = [sys.executable, osp.join(TOOLS, 'train.py'), config]
        if self.opts.preflight and train_has_preflight():
            cmd.append('--preflight')

        def run():
            with open(config, 'w') as f:
                f.write(text)
            run_logged(cmd, osp.join(work, 'train.log'))
            return self._finish_training(work, cfg, config, cmd, method, stage)

        epochs = (cfg.get('train_cfg') or {}).get('max_epochs')
        return text, dict(what=f'training ({epochs} epochs)', run=run)

    def _finish_training(self, work, cfg, config, cmd, method, stage) -> dict:
        ckpt, rule = chosen_checkpoint(work, cfg)
        with open(osp.join(work, 'last_checkpoint')) as f:
            last = f.read().strip()
        val = val_metrics(work) if cfg.get('val_cfg') is not None and cfg.get('val_dataloader') else {}
        rec = dict(
            config=config,
            command=' '.join(cmd),
            checkpoint=ckpt,
            checkpoint_rule=rule,
            last_checkpoint=last,
            val_metrics=val,
        )
        rec['test_metrics'], rec['test_source'] = (
            self._test(work, cfg, config, ckpt, last, val) if stage.test else ({}, 'none')
        )
        key = method.top1 if method is not None and stage.name == method.student_stage.name else 'accuracy/top1'
        rec['test_top1'] = top1_of(rec['test_metrics'], key)
        warning = contrastive_chance_warning(work, cfg)
        if warning:
            print(f'WARNING stage {stage.name}: {warning}', flush=True)
            rec['warnings'] = [warning]
        return rec

    def _test(self, work, cfg, config, ckpt, last, val) -> Tuple[dict, str]:
        """Test metrics of ``ckpt`` on the test split; the final validation when it is the same thing."""
        if cfg.get('test_evaluator') is None or cfg.get('test_dataloader') is None:
            return {}, 'none (no test evaluator)'
        train_cfg = cfg.get('train_cfg') or {}
        final = train_cfg.get('max_epochs') or train_cfg.get('max_iters')
        same_split = cfg.get('val_dataloader') == cfg.get('test_dataloader') and cfg.get('val_evaluator') == cfg.get(
            'test_evaluator'
        )
        if same_split and ckpt == last and val and all(v['last_step'] == final for v in val.values()):
            return {k: v['last'] for k, v in val.items()}, 'final validation (the val split is the test split)'
        out = osp.join(work, 'test_metrics.json')
        run_logged(
            [
                sys.executable,
                osp.join(TOOLS, 'test.py'),
                config,
                ckpt,
                '--work-dir',
                osp.join(work, 'test'),
                '--out',
                out,
            ],
            osp.join(work, 'test.log'),
            echo=False,
        )
        with open(out) as f:
            return json.load(f), f'tools/test.py {osp.basename(ckpt)}'

    def _prepare_kmeans(self, stage, work, inputs, method):
        moco = self.records[stage.inputs['checkpoint']]
        dataset_cfg = load_dataset(self.opts)
        _, k = dataset_facts(dataset_cfg, self.opts)
        if not k:
            raise ValueError(
                f'stage {stage.name}: SSSD needs num_clusters (K of k-means); set num_clusters in '
                f'{self.opts.dataset} or pass --num-clusters K'
            )
        out = osp.join(work, 'pseudo_labels.json')
        cmd = [
            sys.executable,
            osp.join(TOOLS, 'kmeans_pseudo_labels.py'),
            moco['config'],
            inputs['checkpoint'],
            '--num-clusters',
            str(k),
            '--out',
            out,
            '--seed',
            str(self.seed),
        ]
        moco_cfg = Config.fromfile(moco['config']) if osp.isfile(moco['config']) else {}
        if moco_cfg.get('test_dataloader'):
            cmd += ['--eval-split', 'test']
        if self.opts.workers is not None:
            cmd += ['--num-workers', str(self.opts.workers)]

        def run():
            run_logged(cmd, osp.join(work, 'kmeans.log'))
            with open(out) as f:
                report = json.load(f).get('metainfo', {}).get('report', {})
            return dict(
                command=' '.join(cmd),
                output=out,
                checkpoint=None,
                num_clusters=k,
                report=report,
                test_metrics={k_: v for k_, v in report.items() if k_.endswith('majority_acc')},
            )

        return ' '.join(cmd[1:]), dict(what=f'k-means into {k} clusters', run=run)

    def _prepare_export(self, stage, work, inputs, method):
        tool, *extra = method.export
        out = osp.join(work, 'student.pth')
        cmd = [
            sys.executable,
            osp.join(TOOLS, tool),
            inputs['checkpoint'],
            out,
            *extra,
            '--force',
        ]  # a rerun replaces it

        def run():
            run_logged(cmd, osp.join(work, 'export.log'))
            return dict(command=' '.join(cmd), checkpoint=out, output=out)

        return ' '.join(cmd[1:]), dict(what=f'exporting the {method.name} student', run=run)

    def _prepare_transfer(self, stage, work, inputs, method):
        opts, task = self.opts, stage.task
        data_dir = opts.transfer_data_dir or self.work_dir
        root = compose_transfer_data(
            task, opts.det_data_root, osp.join(data_dir, TRANSFERS[task]['data']), *opts.det_images
        )
        cfg = transfer_config(task, opts, root, inputs['student_checkpoint'], self.seed, work)
        text = config_text(cfg)
        config = osp.join(work, 'config.py')
        cmd = [sys.executable, osp.join(TOOLS, 'train.py'), config]

        def run():
            with open(config, 'w') as f:
                f.write(text)
            run_logged(cmd, osp.join(work, 'train.log'))
            with open(osp.join(work, 'last_checkpoint')) as f:
                last = f.read().strip()
            val = val_metrics(work)
            rec = dict(
                config=config,
                command=' '.join(cmd),
                checkpoint=last,
                checkpoint_rule='last',
                last_checkpoint=last,
                val_metrics=val,
            )
            rec['test_metrics'], rec['test_source'] = self._test(work, cfg, config, last, last, val)
            rec['test_metric'] = TRANSFERS[task]['metric']
            rec['test_value'] = rec['test_metrics'].get(TRANSFERS[task]['metric'])
            return rec

        iters = (cfg.get('train_cfg') or {}).get('max_iters')
        return text, dict(
            what=f'{TRANSFERS[task]["label"]} transfer, {iters} iterations on {opts.det_images[0]} composed canvases',
            run=run,
        )


def _fashion_test_set(data_root: str):
    from mmkd.datasets import read_idx

    paths = []
    for name in ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'):
        found = [p for p in (osp.join(data_root, name + '.gz'), osp.join(data_root, name)) if osp.isfile(p)]
        if not found:
            raise FileNotFoundError(
                f'transfer: {name}[.gz] is not in {data_root} (the composed detection / '
                'segmentation sets are pasted from the Fashion-MNIST test images); pass '
                '--det-data-root DIR'
            )
        paths.append(found[0])
    return read_idx(paths[0]), read_idx(paths[1])


def compose_transfer_data(task: str, data_root: str, out: str, num_train: int, num_val: int) -> str:
    """The composed set of ``task`` (Fashion-MNIST test objects pasted on canvases), written once."""
    stamp = osp.join(out, f'DONE_{num_train}_{num_val}')
    if osp.isfile(stamp):
        return out + '/'
    imgs, labels = _fashion_test_set(data_root)
    if task == 'det':
        from mmkd.datasets import FashionMNISTIDX, compose_detection_split

        classes = FashionMNISTIDX.METAINFO['classes']
        # disjoint object pools: train objects from the first half of the test images, val from the rest
        half = len(imgs) // 2
        compose_detection_split(imgs[:half], labels[:half], classes, out, 'train', num_train, seed=0)
        compose_detection_split(imgs[half:], labels[half:], classes, out, 'val', num_val, seed=1)
    else:
        from mmkd.datasets.composed_segmentation import compose_fashion_segmentation

        compose_fashion_segmentation(imgs, labels, out, (num_train, num_val), seed=0)
    open(stamp, 'w').close()
    return out + '/'


def transfer_config(task: str, opts: 'ChainOptions', root: str, student_ckpt: str, seed: int, work: str) -> dict:
    """The transfer config: the composed set, the exported student as backbone (its widths read from the
    checkpoint, see ``mmkd.transfer.widths``), ``det_iters`` iterations (schedule scaled to them), the seed."""
    from mmkd.apis.runner import load_config

    path = opts.det_config if task == 'det' else opts.seg_config
    base = _plain(Config.fromfile(path))
    iters, base_iters = opts.det_iters, base['train_cfg']['max_iters']
    scheds = copy.deepcopy(base['param_scheduler'])
    for sched in scheds if isinstance(scheds, list) else [scheds]:
        if sched.get('end') == base_iters:
            sched['end'] = iters
        elif 'end' in sched:  # a warm-up: at most a quarter of the run
            sched['end'] = min(sched['end'], max(1, iters // 4))
        if 'milestones' in sched:
            sched['milestones'] = [int(m * iters / base_iters) for m in sched['milestones']]
    options = {
        'student_checkpoint': student_ckpt,
        'data_root': root,
        'train_cfg.max_iters': iters,
        'train_cfg.val_interval': iters,
        'param_scheduler': scheds,
        'default_hooks.checkpoint.interval': iters,
        'randomness.seed': seed,
        'work_dir': work,
    }
    if task == 'det':
        ann = root + 'annotations/instances_val.json'
        options.update({'val_evaluator.ann_file': ann, 'test_evaluator.ann_file': ann})
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options[f'{loader}.dataset.data_root'] = root
        if opts.workers is not None:
            options.update({f'{loader}.num_workers': opts.workers, f'{loader}.persistent_workers': opts.workers > 0})
    return _plain(load_config(path, options))


class Progress:
    """Counts stages over a whole job and estimates the time left from the stages that trained.

    Args:
        total (int): stages in the job (every seed).
    """

    def __init__(self, total: int):
        self.total, self.index, self.times, self.to_run = total, 0, [], total
        self.start = time.time()

    def tag(self, name: str, label: str = '') -> str:
        self.index += 1
        return f'[stage {self.index}/{max(self.total, self.index)} {name}{" " + label if label else ""}]'

    def done(self, name: str, seconds: float = 0.0, reused: bool = False) -> None:
        self.to_run -= 1
        if not reused:
            self.times.append(seconds)

    def elapsed(self) -> float:
        return time.time() - self.start

    def eta(self) -> str:
        if not self.times or self.to_run <= 0:
            return ''
        left = sum(self.times) / len(self.times) * self.to_run
        return f'; about {left / 60:.1f} min left for {self.to_run} more stage(s)'


# ----------------------------------------------------------------------------------------------- the job
def seed_dirs(work_dir: str, seeds: Sequence[int], per_seed: bool) -> List[Tuple[int, str]]:
    """(seed, folder) of every seed: ``<work_dir>/seed<K>`` when ``per_seed``, else ``work_dir``."""
    if not per_seed and len(seeds) != 1:
        raise ValueError('several seeds need per-seed folders')
    return [(s, osp.join(work_dir, f'seed{s}') if per_seed else work_dir) for s in seeds]


def run_chain(
    method: str,
    opts: ChainOptions,
    work_dir: str,
    seeds: Sequence[int] = (0,),
    per_seed: bool = False,
    hssakd_teacher: str = 'frozen',
    transfer: Sequence[str] = (),
) -> dict:
    """Run ``method``'s whole chain (and its export, and the ``transfer`` tasks) under every seed.

    Returns the summary, also written to ``<work_dir>/summary.json`` and ``summary.md``.
    """
    m = get_method(method, hssakd_teacher)
    if m.name == 'hssakd-joint' and opts.teacher_ckpt:
        raise ValueError(
            '--teacher-ckpt is the frozen teacher of --hssakd-teacher frozen; the joint variant '
            'trains its teacher from scratch'
        )
    stages = plan([m], opts.teacher_ckpt) + [export_stage(m)] + [transfer_stage(t) for t in transfer]
    if transfer and opts.transfer_data_dir is None:
        opts.transfer_data_dir = osp.abspath(work_dir)  # one composed set for every seed
    dirs = seed_dirs(work_dir, seeds, per_seed)
    progress = Progress(len(stages) * len(dirs))
    runs = {}
    start = time.time()
    for seed, folder in dirs:
        runner = ChainRunner(folder, opts, seed, progress, label=f'seed {seed}' if per_seed else '')
        runs[str(seed)] = runner.run(stages, [m])
    summary = dict(
        method=method,
        recipe=m.name,
        dataset=resolve_dataset(opts.dataset),
        teacher=opts.teacher,
        student=opts.student,
        seeds=list(seeds),
        stages=[s.name for s in stages],
        top1_key=m.top1,
        teacher_ckpt=osp.abspath(opts.teacher_ckpt) if opts.teacher_ckpt else None,
        student_stage=m.student_stage.name,
        runs=runs,
        seconds=round(time.time() - start, 1),
    )
    write_summary(work_dir, summary)
    return summary


def write_summary(work_dir: str, summary: dict) -> None:
    """``summary.json`` (everything) and ``summary.md`` (one table row per seed and stage)."""
    os.makedirs(work_dir, exist_ok=True)
    write_json(osp.join(work_dir, 'summary.json'), summary)
    lines = [
        f'# {summary["method"]} on {osp.basename(summary["dataset"])}',
        '',
        f'Teacher `{summary["teacher"]}`, student `{summary["student"]}`, seeds {summary["seeds"]}; '
        f'test top-1 of the student stage is `{summary["top1_key"]}`.',
        '',
        *(
            [f'The teacher was given (`--teacher-ckpt`): `{summary["teacher_ckpt"]}`.', '']
            if summary.get('teacher_ckpt')
            else []
        ),
        '| seed | stage | test metric | val (last / best @ step) | checkpoint | minutes | command |',
        '|---|---|---|---|---|---|---|',
    ]
    for seed, records in summary['runs'].items():
        for name in summary['stages']:
            rec = records.get(name, {})
            test = rec.get('test_top1')
            if test is None and rec.get('test_value') is not None:
                test = f'{rec["test_metric"]} {rec["test_value"]:.3f}'
            elif test is None and rec.get('test_metrics'):
                k, v = next(iter(sorted(rec['test_metrics'].items())))
                test = f'{k} {100 * v:.2f}' if v <= 1 else f'{k} {v:.2f}'
            elif test is not None:
                test = f'top-1 {test:.2f}'
            elif rec.get('kind') == 'transfer' and rec.get('test_metric'):
                # mmdet scores nothing when a short run detects nothing
                test = f'{rec["test_metric"]}: none (no detections; train longer, --det-iters)'
            val = '; '.join(
                f'{k} {v["last"]:.2f} / {v["best"]:.2f} @ {v["best_step"]}'
                for k, v in sorted((rec.get('val_metrics') or {}).items())
            )
            ckpt = rec.get('checkpoint') or rec.get('output') or ''
            rule = f' ({rec["checkpoint_rule"]})' if rec.get('checkpoint_rule') else ''
            lines.append(
                f'| {seed} | {name} | {test or ""} | {val} | `{ckpt}`{rule} | '
                f'{rec.get("seconds", 0) / 60:.1f} | `{rec.get("command", "")}` |'
            )
    with open(osp.join(work_dir, 'summary.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
