"""The main job (``tools/demo.py``): every selected method on Fashion-MNIST through the chain runner,
under several seeds, with a held-out validation split and the downstream transfers.

The protocol:

1. the teacher is trained once (seed 0, its own budget: more images and epochs than a student gets) and
   handed to every seed as a given checkpoint, so a rerun or another seed never retrains it;
2. every method's stages run under each seed on the first ``num_train`` training images;
3. ``num_val`` training images after the ones trained on (after the teacher's too) are held out as the
   validation split: every per-epoch curve, every "best" and the choice of the student that goes
   downstream are read on it; the test split is only reported;
4. the distilled student with the best held-out top-1 (mean over seeds) and the student alone are both
   exported and fine-tuned as the backbone of each transfer (Faster R-CNN on composed detection canvases,
   DeepLabV3 on composed segmentation canvases), seeded, so the table shows whether a gain carries over.
"""

import copy
import dataclasses
import os.path as osp
import shutil
from dataclasses import dataclass
from typing import Dict, List, Optional

from mmkd.apis.chain import (
    METHOD_NAMES,
    TEACHER,
    ChainOptions,
    ChainRunner,
    Progress,
    export_stage,
    get_method,
    plan,
    seed_dirs,
    transfer_stage,
)

__all__ = ['PRESETS', 'DETECTORS', 'DemoSettings', 'DemoResult', 'run_demo', 'fashion_train_size']

MMDET_CONFIGS = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs/transfer/mmdet')
# --detector -> (the composed-set config, its name in the report)
DETECTORS = {
    'faster-rcnn': (osp.join(MMDET_CONFIGS, 'faster-rcnn_r18-w16_fpn_1xb8-600iter_fmnist-composed.py'), 'Faster R-CNN'),
    'cascade-rcnn': (
        osp.join(MMDET_CONFIGS, 'cascade-rcnn_r18-w16_fpn_1xb8-600iter_fmnist-composed.py'),
        'Cascade R-CNN',
    ),
}

METHOD_LABELS = dict(
    teacher='Teacher (ResNet-18 w1/2)',
    baseline='Student alone',
    kd='Hinton KD',
    dml='DML',
    hssakd='HSSAKD',
    mixskd='MixSKD',
    sskd='SSKD',
    css='CSS',
    sssd='SSSD (no labels)',
)
METHOD_LABELS['hssakd-online'] = 'HSSAKD (online)'
# trained without labels: top-1 maps each k-means cluster to its majority class, so no gain over a supervised student
UNLABELLED = (METHOD_LABELS['sssd'],)

# Each preset is a full set of defaults; a flag given on the command line wins over its preset.
QUICK = dict(
    methods=['baseline', 'kd', 'hssakd', 'mixskd'],
    seeds=1,
    epochs=3,
    num_train=3000,
    num_val=1000,
    num_test=0,
    teacher_epochs=6,
    teacher_num_train=12000,
    transfers=['det', 'seg'],
    transfer_iters=200,
    transfer_seeds=1,
    moco_epochs=None,
)
PRESETS = dict(
    quick=QUICK,
    benchmark=dict(
        QUICK,
        # every method but HSSAKD online (two branched networks: 3x HSSAKD's step time; --methods adds it)
        methods=[m for m in METHOD_NAMES if m != 'hssakd-online'],
        seeds=3,
        transfer_seeds=3,
        moco_epochs=60,  # SSSD's MoCo stays at chance for a few epochs here; from about 60 it beats a random init
    ),
)


@dataclass
class DemoSettings:
    """What the main job runs; :meth:`from_preset` fills the preset's settings.

    Args:
        work_dir / data_root (str): the job's folder; the Fashion-MNIST IDX folder.
        methods (list[str]): student methods (``'baseline'`` is the student alone, the reference).
        seeds (int): every student stage runs under seeds ``0..seeds-1``.
        epochs / num_train (int): the students' epochs and training images (the first N; 0 = all not held out).
        num_val (int): training images held out as the validation split (0: validate on the test split).
        num_test (int): test images (the first N of 10k; 0 = all).
        teacher_epochs / teacher_num_train (int): the teacher's budget (trained once, seed 0).
        transfers (list[str]): ``'det'`` and / or ``'seg'``; empty for none.
        transfer_iters (int): iterations of every transfer run.
        transfer_seeds (int): the transfers run under seeds ``0..transfer_seeds-1`` (at most ``seeds``).
        moco_epochs (int, optional): epochs of SSSD's MoCo stage (default: ``epochs``).
        detector (str): the detection transfer's detector, a key of :data:`DETECTORS`.
        det_images (tuple): composed train / val canvases of each transfer set.
        batch_size / workers / num_clusters: as in the chain runner.
        amp (bool): mixed precision (``AmpOptimWrapper``) in every training stage; needs a GPU.
        preflight / force: the chain runner's switches.
    """

    work_dir: str
    data_root: str
    methods: List[str]
    seeds: int
    epochs: int
    num_train: int
    num_val: int
    num_test: int
    teacher_epochs: int
    teacher_num_train: int
    transfers: List[str]
    transfer_iters: int
    transfer_seeds: int
    moco_epochs: Optional[int]
    detector: str = 'faster-rcnn'
    det_images: tuple = (400, 150)
    batch_size: int = 64
    workers: int = 2
    num_clusters: int = 50
    amp: bool = False
    preflight: bool = True
    force: bool = False
    total_train: int = 60000  # images in the training split (read from the files by tools/demo.py)

    @classmethod
    def from_preset(cls, preset: str, work_dir: str, data_root: str, **overrides) -> 'DemoSettings':
        """The settings of :data:`PRESETS` ``[preset]``, with ``overrides`` (any field) on top."""
        if preset not in PRESETS:
            raise ValueError(f'--preset {preset!r}: choose from {", ".join(PRESETS)}')
        return cls(work_dir=work_dir, data_root=data_root, **{**copy.deepcopy(PRESETS[preset]), **overrides})

    def check(self) -> None:
        """Raise ValueError naming the setting that cannot work."""
        if self.seeds < 1:
            raise ValueError(f'--seeds must be at least 1, got {self.seeds}')
        if not 0 <= self.transfer_seeds <= self.seeds:
            raise ValueError(f'--transfer-seeds {self.transfer_seeds} must be between 0 and --seeds {self.seeds}')
        for name in ('epochs', 'teacher_epochs', 'moco_epochs'):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise ValueError(f'--{name.replace("_", "-")} must be at least 1, got {getattr(self, name)}')
        for name in ('num_train', 'num_val', 'num_test', 'teacher_num_train', 'transfer_iters'):
            if getattr(self, name) < 0:
                raise ValueError(f'--{name.replace("_", "-")} must be 0 or more, got {getattr(self, name)}')
        if self.val_start + self.num_val > self.total_train:
            raise ValueError(
                f'--num-val {self.num_val} held out after the {self.val_start} images the stages train on '
                f'(--num-train {self.student_images}, --teacher-num-train {self.teacher_images}) needs '
                f'{self.val_start + self.num_val} training images; {self.data_root} has {self.total_train}'
            )
        if self.amp:
            import torch

            if not torch.cuda.is_available():
                raise ValueError('--amp needs a GPU (mmengine\'s AmpOptimWrapper); torch sees none here')
        if self.detector not in DETECTORS:
            raise ValueError(f'--detector {self.detector!r}: choose from {", ".join(DETECTORS)}')
        unknown = sorted(set(self.transfers) - {'det', 'seg'})
        if unknown:
            raise ValueError(f'--transfers {unknown}: choose from det, seg')
        for name in self.methods:
            get_method(name)

    @property
    def student_images(self) -> int:
        return self.num_train or self.total_train - self.num_val

    @property
    def teacher_images(self) -> int:
        return self.teacher_num_train or self.total_train - self.num_val

    @property
    def val_start(self) -> int:
        """The first held-out image: after every image the students and the teacher train on."""
        if not self.num_val:
            return 0
        return max(self.student_images, self.teacher_images)


def fashion_train_size(data_root: str) -> int:
    """Images in the Fashion-MNIST training split under ``data_root`` (from the label file)."""
    from mmkd.datasets import read_idx

    for name in ('train-labels-idx1-ubyte.gz', 'train-labels-idx1-ubyte'):
        if osp.isfile(osp.join(data_root, name)):
            return len(read_idx(osp.join(data_root, name)))
    raise FileNotFoundError(
        f'demo: Fashion-MNIST not found in {data_root}; install the Debian package dataset-fashion-mnist '
        '(make install does it when it can) or pass --data-root'
    )


def chain_options(s: DemoSettings, num_train: int, epochs: int) -> ChainOptions:
    """The chain options of one part of the job: Fashion-MNIST, the held-out validation split, last checkpoints."""
    persistent = s.workers > 0

    def loader(batch, **dataset):
        opts = {'batch_size': batch, 'num_workers': s.workers, 'persistent_workers': persistent}
        return {**opts, **{f'dataset.{k}': v for k, v in dataset.items()}}

    val = (
        loader(256, split='train', start=s.val_start, num_samples=s.num_val)
        if s.num_val
        else loader(256, num_samples=s.num_test or None)
    )
    data = dict(
        train_dataloader=loader(s.batch_size, num_samples=num_train),
        val_dataloader=val,
        test_dataloader=loader(256, split='test', num_samples=s.num_test or None),
    )
    dataset_options = {f'{k}.{kk}': vv for k, v in data.items() for kk, vv in v.items()}
    dataset_options['data_root'] = s.data_root  # the fact; every dataset's data_root follows it
    hooks = {
        'default_hooks.logger.interval': 50,
        'default_hooks.checkpoint.interval': 1,
        'default_hooks.checkpoint.max_keep_ckpts': 1,
        'default_hooks.checkpoint.save_best': None,  # every stage hands its last checkpoint on
    }
    if s.amp:  # mixed precision in every training stage, as tools/train.py --amp does
        hooks.update({'optim_wrapper.type': 'AmpOptimWrapper', 'optim_wrapper.loss_scale': 'dynamic'})
    return ChainOptions(
        dataset='fashion_mnist',
        teacher='resnet18-w32',
        student='resnet18-w16',
        num_clusters=s.num_clusters,
        epochs=epochs,
        dataset_options=dataset_options,
        cfg_options=hooks,
        stage_options={'sssd-moco': {'epochs': s.moco_epochs}} if s.moco_epochs else {},
        preflight=s.preflight,
        force=s.force,
        det_config=DETECTORS[s.detector][0],
        det_iters=s.transfer_iters,
        det_images=tuple(s.det_images),
        det_data_root=s.data_root,
        transfer_data_dir=osp.abspath(s.work_dir),
    )


def student_row(name: str, rec: dict, key: str, student: bool) -> dict:
    """One table row: test top-1 of the handed-on checkpoint, the validation curve's last and best."""
    val = rec.get('val_metrics') or {}
    hits = sorted(k for k in val if k.startswith(key.rstrip('*')))
    curve = val.get(key) or (val[hits[-1]] if hits else {})
    return dict(
        stage=name,
        method=METHOD_LABELS.get(name, name),
        student=student,
        test=rec['test_top1'],
        val=curve.get('last'),
        val_best=curve.get('best'),
        val_best_epoch=curve.get('best_step'),
        minutes=rec.get('seconds', 0) / 60,
        checkpoint=rec['checkpoint'],
    )


@dataclass
class DemoResult:
    """What the job produced: rows per seed, the teacher's row, the transfers, the student picked."""

    settings: DemoSettings
    rows: Dict[int, List[dict]]  # seed -> one row per method's student
    teacher: Optional[dict]
    best: Optional[str]  # the method whose student went downstream
    transfers: Dict[str, Dict[int, dict]]  # transfer stage name -> seed -> its record
    run_dirs: Dict[int, str]
    seconds: float = 0.0


def transfer_plan(s: DemoSettings, best: Optional[str]) -> list:
    """(stage, backbone label) of every transfer: the best distilled student's, then the student alone's."""
    sources = []
    if best is not None:
        sources.append((export_stage(get_method(best)), METHOD_LABELS.get(best, best), ''))
    if 'baseline' in s.methods:
        name = 'export' if best is None else 'export-baseline'
        suffix = '' if best is None else '-baseline'
        sources.append((export_stage(get_method('baseline'), name), METHOD_LABELS['baseline'], suffix))
    stages = []
    for export, label, suffix in sources:
        stages.append((export, label))
        for task in s.transfers:
            stages.append((transfer_stage(task, export=export.name, name=task + suffix), label))
    return stages


def pick_best(rows: Dict[int, List[dict]]) -> Optional[str]:
    """The distilled method with the best mean held-out validation top-1 (the test split picks nothing)."""
    means = {}
    for seed_rows in rows.values():
        for r in seed_rows:
            if r['stage'] != 'baseline':
                means.setdefault(r['stage'], []).append(r['val'] if r['val'] is not None else float('-inf'))
    if not means:
        return None
    return max(means, key=lambda m: sum(means[m]) / len(means[m]))


def run_demo(s: DemoSettings) -> DemoResult:
    """Run the whole job (finished stages are reused); see the module docstring."""
    import time

    s.check()
    start = time.time()
    methods = [get_method(m) for m in s.methods]
    per_seed = s.seeds > 1
    needs_teacher = any(st.name == 'teacher' for st in plan(methods))
    student_stages = plan(methods, teacher_ckpt='given' if needs_teacher else None)
    run_transfers = bool(s.transfers) and s.transfer_iters > 0 and s.transfer_seeds > 0
    # the best method is known only after training; any distilled one gives the same number of stages
    distilled = next((m for m in s.methods if m != 'baseline'), None)
    n_transfer = len(transfer_plan(s, distilled)) * s.transfer_seeds if run_transfers else 0
    progress = Progress(int(needs_teacher) + len(student_stages) * s.seeds + n_transfer)
    teacher_row, teacher_ckpt = None, None
    if needs_teacher:  # trained once, on its own budget, and given to every seed
        t_opts = chain_options(s, s.teacher_images, s.teacher_epochs)
        t_runner = ChainRunner(s.work_dir, t_opts, seed=0, progress=progress, label='trained once')
        rec = t_runner.run([TEACHER])['teacher']
        teacher_row = student_row('teacher', rec, 'accuracy/top1', student=False)
        teacher_ckpt = rec['checkpoint']
    opts = chain_options(s, s.student_images, s.epochs)
    opts = dataclasses.replace(opts, teacher_ckpt=teacher_ckpt)
    runners, rows, dirs = {}, {}, {}
    for seed, folder in seed_dirs(s.work_dir, range(s.seeds), per_seed):
        label = f'seed {seed}' if per_seed else ''
        runner = ChainRunner(folder, copy.deepcopy(opts), seed=seed, progress=progress, label=label)
        records = runner.run(student_stages, methods)
        rows[seed] = [student_row(m.student_stage.name, records[m.student_stage.name], m.top1, True) for m in methods]
        runners[seed], dirs[seed] = runner, folder
    best = pick_best(rows)
    transfers: Dict[str, Dict[int, dict]] = {}
    stages = transfer_plan(s, best)
    if run_transfers:
        for seed in range(s.transfer_seeds):
            records = runners[seed].run([st for st, _ in stages], methods)
            for st, label in stages:
                if st.kind == 'transfer':
                    transfers.setdefault(st.name, {})[seed] = dict(records[st.name], backbone=label, task=st.task)
        if 0 in runners and best is not None:
            shutil.copyfile(runners[0].records['export']['checkpoint'], osp.join(s.work_dir, 'student.pth'))
    return DemoResult(s, rows, teacher_row, best, transfers, dirs, seconds=time.time() - start)
