"""SSKD: Knowledge Distillation Meets Self-Supervision (Xu et al., ECCV 2020).

Two models, one per stage, share the transformed-copy machinery:

* :class:`SSKDTeacher` — stage 1: a trained classifier, frozen and in eval mode, plus an
  :class:`SSProjectionHead` fitted to the contrastive task "which normal image is this transformed
  image a copy of?" (cross-entropy over the cosine similarity matrix, no temperature). Only the head
  trains. Its checkpoint is the stage-2 teacher.
* :class:`SSKDDistiller` — stage 2: the student (with a projection head of its own, trained only
  through ``loss_ss``) learns from the stage-1 teacher with CE + KD on normal rows, KD on the
  transformed rows (``loss_tf``) and KD on the similarity rows (``loss_ss``), the last two with
  ranked selective transfer.

Batches carry 4 copies per image, sample-major (row ``4 * i`` is the normal image ``i``), made by
:func:`sskd_copies` from the already-augmented batch: rotations by 90/180/270 degrees
(``'rotation3'``, the official code), one of the paper's four transforms per copy (``'paper4'``) or
2x2 jigsaw shuffles (``'jigsaw3'``, for the jigsaw SS task of the paper's Table 2).
Inside :class:`SSKDTeacher` the frozen classifier is ``classifier``; it is also the model's
``student`` (a read-only alias), the network every mmkd model evaluates and exports.
"""

import math
import warnings
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from torch import Tensor

from mmkd.registry import MODELS
from mmkd.utils.choices import check_choice

from ..heads.ss_projection_head import contrastive_similarity, contrastive_targets
from ..losses import build_head_loss, build_loss, fill_alias
from ..utils import jigsaw_stack, rotate_stack, transform_ids, transformed_rows, upright_rows
from ..utils.batch_augments import PAPER4_DEFAULTS, paper4_copies
from .base import BaseClassifierModel, BaseDistiller, build_classifier, gt_labels, load_frozen_checkpoint, neck_features

#: copies per image: the normal one and three transformed ones
NUM_COPIES = 4
TRANSFORM_SETS = ('rotation3', 'paper4', 'jigsaw3')
#: the self-supervised task of the SS head (the paper's Table 2) -> its default transform set
SS_TASKS = {'contrastive': 'rotation3', 'rotation': 'rotation3', 'jigsaw': 'jigsaw3', 'exemplar': 'paper4'}
#: weights of (loss_ce, loss_kd, loss_tf = L_T, loss_ss = L_ss) from the three sources of the paper
LOSS_WEIGHT_PRESETS = {
    'code': dict(ce=0.1, kd=0.9, tf=2.7, ss=10.0),  # official code (default)
    'arxiv': dict(ce=0.1, kd=0.9, tf=10.0, ss=2.7),  # arXiv version (lambda_3 on L_ss, lambda_4 on L_T)
    'eccv_supp': dict(ce=0.1, kd=0.9, tf=5.0, ss=3.0),  # ECCV supplementary
}
DEFAULT_TEMPERATURES = dict(kd=4.0, tf=4.0, ss=0.5)
DEFAULT_SELECTIVE_RATIOS = dict(tf=1.0, ss=0.75)
LOSS_TERMS = ('ce', 'kd', 'tf', 'ss')
#: the default terms of stage 2 (the 'code' weights); loss_ce is the student head's own loss
SSKD_LOSSES = dict(
    loss_ce=dict(type='HeadLoss', loss_weight=0.1),
    loss_kd=dict(type='KLDivergence', tau=4.0, loss_weight=0.9),
    loss_tf=dict(type='SelectiveKLDivergence', tau=4.0, ratio=1.0, loss_weight=2.7),
    loss_ss=dict(type='SelectiveKLDivergence', tau=0.5, ratio=0.75, loss_weight=10.0),
)
LOSS_SS_HEAD = dict(type='SoftmaxCrossEntropy', tau=1.0, loss_weight=1.0)
#: the ablation of the paper's Fig. 3b, and the "L_ss only" mode
COMPONENT_PRESETS = {
    'kd': ('ce', 'kd'),
    'kd+tf': ('ce', 'kd', 'tf'),
    'kd+tf+ss': LOSS_TERMS,
    'ss_only': ('ss',),
}


def sskd_copies(
    x: Tensor,
    transform_set: str = 'rotation3',
    mean: Optional[Tensor] = None,
    std: Optional[Tensor] = None,
    generator=None,
    **params,
) -> Tensor:
    """Stack each image with three transformed copies, sample-major.

    Args:
        x (Tensor): (n, C, H, W) preprocessed images.
        transform_set (str): ``'rotation3'`` (rotations by 90/180/270 degrees, the official code),
            ``'paper4'`` (each copy one of the paper's four transforms, see :func:`paper4_copies`) or
            ``'jigsaw3'`` (the three non-identity 2x2 shuffles of ``JIGSAW_PERMUTATIONS``).
        mean, std (Tensor, optional): the (C, 1, 1) normalisation of the data preprocessor in
            0-255 units; ``'paper4'`` undoes it to work on [0, 1] colours (without it the inputs
            are taken as 0-255 pixels).
        generator (torch.Generator, optional): CPU generator for ``'paper4'``.
        **params: ``'paper4'`` parameters, see :data:`PAPER4_DEFAULTS`.

    Returns:
        Tensor: (4n, C, H, W); row ``4 * i`` is ``x[i]``, rows ``4 * i + 1 .. 4 * i + 3`` its copies.
    """
    check_choice('transform_set', transform_set, TRANSFORM_SETS)
    if transform_set != 'paper4':
        if params:
            raise ValueError(f'transform_set={transform_set!r} takes no parameters, got {sorted(params)}')
        return rotate_stack(x, NUM_COPIES) if transform_set == 'rotation3' else jigsaw_stack(x)
    if (mean is None) != (std is None):
        raise ValueError('sskd_copies needs both mean and std, or neither')
    mean = 0.0 if mean is None else mean
    std = 1.0 if std is None else std
    unit = (x * std + mean) / 255.0
    copies = paper4_copies(unit.repeat_interleave(NUM_COPIES - 1, dim=0), generator, **params)
    copies = (copies * 255.0 - mean) / std
    n = x.shape[0]
    return torch.cat([x.unsqueeze(1), copies.view(n, NUM_COPIES - 1, *x.shape[1:])], 1).view(-1, *x.shape[1:])


# ----------------------------------------------------------------------------- models
def build_ss_head(cfg: Optional[dict], classifier: nn.Module, out_channels: Optional[int] = None) -> nn.Module:
    """Build an SS head: ``in_channels`` defaults to the classifier head's, ``out_channels`` is fixed
    by the SS task when it classifies (``None``: free, the projection width)."""
    cfg = dict(cfg or {})
    cfg.setdefault('type', 'SSProjectionHead')
    if cfg.get('in_channels') is None:
        in_channels = getattr(getattr(classifier, 'head', None), 'in_channels', None)
        if in_channels is None:
            raise ValueError(
                'ss_head.in_channels is not set and the classifier head has no in_channels '
                '(the width of the pooled feature); set ss_head=dict(in_channels=d)'
            )
        cfg['in_channels'] = in_channels
    if out_channels is not None:
        if cfg.get('out_channels') not in (None, out_channels):
            raise ValueError(f'ss_head.out_channels={cfg["out_channels"]} but the SS task has {out_channels} classes')
        cfg['out_channels'] = out_channels
    return MODELS.build(cfg)


def _merged(
    name: str, given: Optional[dict], defaults: dict, low: float, high: float, low_open: bool = False
) -> Dict[str, float]:
    given = dict(given or {})
    unknown = set(given) - set(defaults)
    if unknown:
        raise ValueError(f'{name} has unknown keys {sorted(unknown)}; valid: {sorted(defaults)}')
    out = {**defaults, **given}
    for key, value in out.items():
        bad = not isinstance(value, (int, float)) or value > high or value < low or (low_open and value == low)
        if bad:
            raise ValueError(f'{name}.{key}={value!r} must be a number in {"(" if low_open else "["}{low}, {high}]')
    return {k: float(v) for k, v in out.items()}


class SSKDMixin:
    """Copies, SS scores and SS targets shared by the two SSKD stages.

    The SS task (``ss_task``) decides what the SS head outputs and what counts as its right answer:

    * ``'contrastive'`` (the method): the head projects; the scores are the ``3n x n`` cosine
      similarities of transformed to normal rows; the answer is the own source image.
    * ``'rotation'`` / ``'jigsaw'``: the head classifies which of the 4 transforms (identity
      included) made each of the ``4n`` rows.
    * ``'exemplar'``: the head classifies which training image (``sample_idx``, out of
      ``num_instances``) each of the ``4n`` rows comes from.
    """

    def _init_ss(
        self,
        ss_task: str,
        transform_set: Optional[str],
        transform_params: Optional[dict],
        num_instances: Optional[int] = None,
    ) -> None:
        check_choice('ss_task', ss_task, SS_TASKS)
        transform_set = transform_set or SS_TASKS[ss_task]
        check_choice('transform_set', transform_set, TRANSFORM_SETS)
        needed = dict(rotation='rotation3', jigsaw='jigsaw3').get(ss_task)
        if needed is not None and transform_set != needed:
            raise ValueError(
                f'ss_task={ss_task!r} predicts which transform made each copy, so it needs '
                f'transform_set={needed!r}, got {transform_set!r}'
            )
        params = dict(transform_params or {})
        if params and transform_set != 'paper4':
            raise ValueError(f"transform_params only apply to transform_set='paper4', got {sorted(params)}")
        unknown = set(params) - set(PAPER4_DEFAULTS)
        if unknown:
            raise ValueError(f'transform_params has unknown keys {sorted(unknown)}; valid: {sorted(PAPER4_DEFAULTS)}')
        if ss_task == 'exemplar' and not (isinstance(num_instances, int) and num_instances > 0):
            raise ValueError(
                "ss_task='exemplar' classifies every training image: set num_instances to the "
                f'size of the training set, got {num_instances!r}'
            )
        self.ss_task, self.transform_set, self.transform_params = ss_task, transform_set, params
        self.num_instances = num_instances if ss_task == 'exemplar' else None

    @property
    def ss_classes(self) -> Optional[int]:
        """Outputs of the SS head the task fixes (None for the contrastive projection)."""
        return dict(contrastive=None, rotation=NUM_COPIES, jigsaw=NUM_COPIES, exemplar=self.num_instances)[self.ss_task]

    def make_copies(self, inputs: Tensor) -> Tensor:
        """The 4n-row batch: each image, then its three transformed copies."""
        preprocessor = self.data_preprocessor
        normalised = getattr(preprocessor, '_enable_normalize', False)
        mean, std = (preprocessor.mean, preprocessor.std) if normalised else (None, None)
        return sskd_copies(inputs, self.transform_set, mean, std, **self.transform_params)

    def ss_scores(self, z: Tensor) -> Tensor:
        """(R, C) scores of the SS task from the SS head's outputs on the 4n rows."""
        return contrastive_similarity(z, NUM_COPIES) if self.ss_task == 'contrastive' else z

    def ss_targets(self, n: int, data_samples: Optional[list], device=None) -> Tensor:
        """(R,) right answers of :meth:`ss_scores`' rows."""
        if self.ss_task == 'contrastive':
            return contrastive_targets(n, NUM_COPIES, device)
        if self.ss_task in ('rotation', 'jigsaw'):
            return transform_ids(n, NUM_COPIES, device)
        idx = [ds.metainfo.get('sample_idx') for ds in (data_samples or [])]
        if len(idx) != n or any(i is None for i in idx):
            raise ValueError(
                "ss_task='exemplar' needs the sample_idx of every image in its data samples "
                "(PackInputs keeps it by default)"
            )
        idx = torch.as_tensor([int(i) for i in idx], device=device)
        if idx.min() < 0 or idx.max() >= self.num_instances:
            raise ValueError(
                f'sample_idx {idx.max().item()} is out of range for num_instances={self.num_instances}; '
                'set num_instances to the size of the training set'
            )
        return idx.repeat_interleave(NUM_COPIES)

    @staticmethod
    def logits_and_pooled(classifier: nn.Module, x: Tensor) -> Tuple[Tensor, Tensor]:
        """Class logits and the pooled feature the SS head reads (the input of the final FC)."""
        neck_out = neck_features(classifier, classifier.backbone(x))
        return classifier.head(neck_out), classifier.head.pre_logits(neck_out)


@MODELS.register_module()
class SSKDTeacher(SSKDMixin, BaseClassifierModel):
    """SSKD stage 1: fit an SS head on a frozen, trained classifier.

    ``loss_ss_head = CE(scores / tau, right answers)`` (the ``loss_ss_head`` term); with the default
    contrastive task the scores are the ``3n x n`` cosine similarities of the transformed rows to
    the normal rows and the right answer is the own source image. ``acc_ss`` (logged, not optimised)
    is the head's accuracy. The classifier is frozen, kept in eval mode and left out of the
    optimizer; the val loop evaluates it (it is also the model's ``student``, the network every mmkd
    model evaluates and exports), so its accuracy must stay what it was. The checkpoint holds the
    classifier and the head and loads strictly as :class:`SSKDDistiller`'s teacher.

    Args:
        classifier (dict): config of the trained classifier.
        classifier_ckpt (str, optional): its checkpoint; required to train this stage. Left out
            when the model is built as the stage-2 teacher (``teacher_ckpt`` then fills it).
        ss_head (dict, optional): SS head config; ``SSProjectionHead`` on the classifier's pooled
            feature by default.
        ss_task (str): ``'contrastive'`` (default, the method), ``'rotation'``, ``'jigsaw'`` or
            ``'exemplar'`` (the pretext tasks of the paper's Table 2), see :class:`SSKDMixin`.
        transform_set (str, optional): ``'rotation3'``, ``'paper4'`` or ``'jigsaw3'``, see
            :func:`sskd_copies`; defaults to the task's (:data:`SS_TASKS`).
        transform_params (dict, optional): ``'paper4'`` parameters (:data:`PAPER4_DEFAULTS`).
        num_instances (int, optional): training-set size, for ``ss_task='exemplar'``.
        loss_ss_head (dict, optional): the head-fitting loss. Defaults to
            ``dict(type='SoftmaxCrossEntropy', tau=1.0, loss_weight=1.0)`` (tau 1 as the code; the
            paper has an unspecified tau).
        tau (float, optional): deprecated: ``loss_ss_head.tau``.
        student (dict, optional): deprecated name of ``classifier``.
        **kwargs: see :class:`BaseClassifierModel`.
    """

    def __init__(
        self,
        classifier: Optional[dict] = None,
        classifier_ckpt: Optional[str] = None,
        ss_head: Optional[dict] = None,
        ss_task: str = 'contrastive',
        transform_set: Optional[str] = None,
        transform_params: Optional[dict] = None,
        num_instances: Optional[int] = None,
        loss_ss_head: Optional[dict] = None,
        tau: Optional[float] = None,
        student: Optional[dict] = None,
        **kwargs,
    ):
        if student is not None:
            if classifier is not None:
                raise ValueError('SSKDTeacher: give the frozen classifier once, as model.classifier (not also student)')
            warnings.warn(
                'SSKDTeacher(student=...) is deprecated: the frozen classifier is model.classifier', DeprecationWarning
            )
            classifier = student
        self._classifier_key = 'student' if student is not None else 'classifier'  # as the config names it
        if classifier is None:
            raise ValueError('SSKDTeacher needs the trained classifier: set model.classifier')
        if kwargs.pop('teacher', None) is not None:
            raise ValueError(
                'SSKDTeacher takes no teacher: it is stage 1, fitting the SS head of a '
                'trained classifier given as classifier + classifier_ckpt'
            )
        if kwargs.get('data_preprocessor') is None and isinstance(classifier, dict):
            kwargs['data_preprocessor'] = classifier.get('data_preprocessor')
        super().__init__(student=None, **kwargs)
        self.classifier = build_classifier(classifier, 'classifier')
        self.check_num_classes()
        self._init_ss(ss_task, transform_set, transform_params, num_instances)
        terms = dict(loss_ss_head=loss_ss_head)
        fill_alias(terms, dict(loss_ss_head=LOSS_SS_HEAD), 'SSKDTeacher', 'tau', tau, 'loss_ss_head', 'tau')
        self.loss_ss_head = build_loss(terms['loss_ss_head'], LOSS_SS_HEAD)
        self.ss_head = build_ss_head(ss_head, self.classifier, self.ss_classes)
        self.classifier_ckpt = classifier_ckpt
        if classifier_ckpt is not None:
            load_frozen_checkpoint(self.classifier, classifier_ckpt, 'classifier')
            # Runner.train() calls init_weights(), which would re-draw the loaded head (LinearClsHead's init_cfg)
            self.classifier.is_init = True
        self.classifier.requires_grad_(False)
        self.classifier.eval()
        self.register_load_state_dict_pre_hook(_rename_legacy_classifier_keys)

    @property
    def student(self) -> nn.Module:
        """The network the val loop evaluates and export takes: the frozen classifier."""
        return self.classifier

    @property
    def tau(self) -> float:
        return self.loss_ss_head.tau

    def classifier_networks(self):
        return [(self._classifier_key, self.classifier)] if 'classifier' in self._modules else []

    @staticmethod
    def upgrade_state_dict(state_dict: dict, prefix: str = '') -> dict:
        """Checkpoints written before the classifier had its own name kept it under ``student.``."""
        old = f'{prefix}student.'
        return {(f'{prefix}classifier.{k[len(old) :]}' if k.startswith(old) else k): v for k, v in state_dict.items()}

    def train(self, mode: bool = True):
        super().train(mode)
        self.classifier.eval()  # BN statistics of the frozen classifier stay those it was trained with
        return self

    def forward_ss(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """Class logits and SS head outputs of the (already stacked) ``x``; the classifier is frozen."""
        with torch.no_grad():
            logits, pooled = self.logits_and_pooled(self.classifier, x)
        return logits, self.ss_head(pooled)

    def loss(self, inputs: Tensor, data_samples: Optional[list] = None) -> dict:
        if self.classifier_ckpt is None:
            raise ValueError(
                'SSKDTeacher.classifier_ckpt is not set: stage 1 fits the SS head on a '
                'trained classifier; pass model.classifier_ckpt=PATH'
            )
        _, z = self.forward_ss(self.make_copies(inputs))
        scores = self.ss_scores(z)
        target = self.ss_targets(inputs.shape[0], data_samples, scores.device)
        return dict(
            loss_ss_head=self.loss_ss_head(scores, target),
            acc_ss=(scores.argmax(1) == target).float().mean().detach(),
        )


@MODELS.register_module()
class SSKDDistiller(SSKDMixin, BaseDistiller):
    """SSKD stage 2: a student with its own SS head learns from an :class:`SSKDTeacher`.

    With ``n`` images per batch, 4 copies each (the teacher sees the same ``4n`` rows), one term each:

    * ``loss_ce``: the student's CE on the ``n`` normal rows (its head's loss, weight 0.1);
    * ``loss_kd``: ``KLDivergence`` on the normal rows (tau 4, weight 0.9);
    * ``loss_tf``: ``SelectiveKLDivergence`` on the ``3n`` transformed rows' class posteriors,
      averaged over the rows kept by selective transfer (right answer the label ``y``; tau 4,
      ratio 1.0, weight 2.7);
    * ``loss_ss``: ``SelectiveKLDivergence`` between the rows of the teacher's and the student's SS
      scores -- for the contrastive task the ``3n x n`` similarity matrices, softmax over the normal
      images -- averaged over the kept rows (right answer the own source image; tau 0.5, ratio
      0.75, weight 10).

    The defaults (:data:`SSKD_LOSSES`) are the official code's weights; :data:`LOSS_WEIGHT_PRESETS`
    has the paper's three sources. ``kept_tf`` / ``kept_ss`` (logged, not optimised) are the
    fractions of rows kept. The student's SS head learns only through ``loss_ss`` and is never
    exported. ``loss_tf`` / ``loss_ss`` take ``(s, t, mask)`` and give the mask through
    ``mask(scores, target)``.

    Args:
        student (dict): student classifier config.
        teacher (dict | str): the :class:`SSKDTeacher` config of stage 1 (without classifier_ckpt).
        teacher_ckpt (str): the stage-1 checkpoint.
        ss_head (dict, optional): the student's SS head (default: ``SSProjectionHead`` on the
            student's pooled feature; as many outputs as the teacher's when the task classifies).
        loss_ce, loss_kd, loss_tf, loss_ss (dict, optional): the terms; a dict without ``type``
            updates the default's keys (:data:`SSKD_LOSSES`). ``loss_ce=None`` is the student head's
            own loss.
        components (str | Sequence[str]): the loss terms used: a preset of
            :data:`COMPONENT_PRESETS` (``'kd'``, ``'kd+tf'``, ``'kd+tf+ss'`` (default),
            ``'ss_only'``) or a subset of ``('ce', 'kd', 'tf', 'ss')``.
        transform_set (str, optional): defaults to the teacher's (its head was fitted on it).
        transform_params (dict, optional): ``'paper4'`` parameters; default the teacher's.
        loss_weights (str | dict, optional): deprecated: the terms' ``loss_weight``, a preset of
            :data:`LOSS_WEIGHT_PRESETS` (``'code'``, ``'arxiv'``, ``'eccv_supp'``) or a dict with
            any of ``ce, kd, tf, ss``.
        temperatures (dict, optional): deprecated: the terms' ``tau``, any of ``kd, tf, ss``.
        selective_ratios (dict, optional): deprecated: the ``ratio`` of ``loss_tf`` / ``loss_ss``,
            any of ``tf, ss``.
        **kwargs: see :class:`BaseDistiller`.
    """

    def __init__(
        self,
        student: dict,
        teacher: Union[dict, str],
        teacher_ckpt: Optional[str] = None,
        ss_head: Optional[dict] = None,
        loss_ce: Optional[dict] = None,
        loss_kd: Optional[dict] = None,
        loss_tf: Optional[dict] = None,
        loss_ss: Optional[dict] = None,
        components: Union[str, Sequence[str]] = 'kd+tf+ss',
        transform_set: Optional[str] = None,
        transform_params: Optional[dict] = None,
        loss_weights: Union[str, dict, None] = None,
        temperatures: Optional[dict] = None,
        selective_ratios: Optional[dict] = None,
        **kwargs,
    ):
        if teacher is None:
            raise ValueError('SSKDDistiller needs a teacher: the SSKDTeacher config of stage 1')
        super().__init__(student=student, teacher=teacher, teacher_ckpt=teacher_ckpt, **kwargs)
        if not isinstance(self.teacher, SSKDTeacher):
            raise TypeError(
                'SSKDDistiller needs an SSKDTeacher teacher (the stage-1 model with its fitted '
                f'SS head), got {type(self.teacher).__name__}'
            )
        self.teacher.is_init = True  # loaded: init_weights() (called by Runner.train()) must not re-draw it
        if transform_set is None:
            transform_set = self.teacher.transform_set
            if transform_params is None:
                transform_params = self.teacher.transform_params
        self._init_ss(self.teacher.ss_task, transform_set, transform_params, self.teacher.num_instances)

        terms = dict(loss_ce=loss_ce, loss_kd=loss_kd, loss_tf=loss_tf, loss_ss=loss_ss)
        if isinstance(loss_weights, str):
            check_choice('loss_weights', loss_weights, LOSS_WEIGHT_PRESETS)
            loss_weights = LOSS_WEIGHT_PRESETS[loss_weights]
        elif loss_weights is not None and not isinstance(loss_weights, dict):
            raise TypeError(f'loss_weights must be a preset name or a dict, got {type(loss_weights).__name__}')
        aliases = (
            ('loss_weights', loss_weights, LOSS_WEIGHT_PRESETS['code'], 0.0, math.inf, False, 'loss_weight'),
            ('temperatures', temperatures, DEFAULT_TEMPERATURES, 0.0, math.inf, True, 'tau'),
            ('selective_ratios', selective_ratios, DEFAULT_SELECTIVE_RATIOS, 0.0, 1.0, False, 'ratio'),
        )
        for alias, given, defaults, low, high, low_open, key in aliases:
            if given is None:
                continue
            values = _merged(alias, given, defaults, low, high, low_open)
            for name in given:
                fill_alias(terms, SSKD_LOSSES, 'SSKDDistiller', f'{alias}.{name}', values[name], f'loss_{name}', key)
        self.loss_ce = build_head_loss(terms['loss_ce'], self.student.head, SSKD_LOSSES['loss_ce']['loss_weight'])
        self.loss_kd = build_loss(terms['loss_kd'], SSKD_LOSSES['loss_kd'])
        self.loss_tf = build_loss(terms['loss_tf'], SSKD_LOSSES['loss_tf'])
        self.loss_ss = build_loss(terms['loss_ss'], SSKD_LOSSES['loss_ss'])

        if isinstance(components, str):
            check_choice('components', components, COMPONENT_PRESETS)
            components = COMPONENT_PRESETS[components]
        components = tuple(components)
        unknown = set(components) - set(LOSS_TERMS)
        if unknown or not components:
            raise ValueError(
                f'components={components!r} must be a non-empty subset of {list(LOSS_TERMS)} '
                f'or one of {list(COMPONENT_PRESETS)}'
            )
        self.components = tuple(t for t in LOSS_TERMS if t in components)
        # only the terms on transformed rows need the copies; only loss_ss needs a student head, and
        # only the similarities are compared, so the contrastive projection width is free
        self.uses_copies = 'tf' in self.components or 'ss' in self.components
        self.ss_head = build_ss_head(ss_head, self.student, self.ss_classes) if 'ss' in self.components else None

    def _terms(self, key: str, names: Sequence[str]) -> Dict[str, float]:
        return {name: getattr(getattr(self, f'loss_{name}'), key) for name in names}

    @property
    def loss_weights(self) -> Dict[str, float]:
        """``loss_weight`` of each term, by ``ce, kd, tf, ss``."""
        return self._terms('loss_weight', LOSS_TERMS)

    @property
    def temperatures(self) -> Dict[str, float]:
        """``tau`` of ``loss_kd``, ``loss_tf`` and ``loss_ss``."""
        return self._terms('tau', ('kd', 'tf', 'ss'))

    @property
    def selective_ratios(self) -> Dict[str, float]:
        """``ratio`` of ``loss_tf`` and ``loss_ss``."""
        return self._terms('ratio', ('tf', 'ss'))

    def loss(self, inputs: Tensor, data_samples: list) -> dict:
        labels = gt_labels(data_samples, inputs.device)
        n, m = inputs.shape[0], NUM_COPIES if self.uses_copies else 1
        x = self.make_copies(inputs) if self.uses_copies else inputs
        s_logits, s_pooled = self.logits_and_pooled(self.student, x)
        with torch.no_grad():
            t_logits, t_z = self.teacher.forward_ss(x)
        losses = {}
        if 'ce' in self.components:
            losses['loss_ce'] = self.loss_ce(upright_rows(s_logits, m), labels)
        if 'kd' in self.components:
            losses['loss_kd'] = self.loss_kd(upright_rows(s_logits, m), upright_rows(t_logits, m))
        if 'tf' in self.components:
            s_tf, t_tf = transformed_rows(s_logits, m), transformed_rows(t_logits, m)
            keep = self.loss_tf.mask(t_tf, labels.repeat_interleave(m - 1))
            losses['loss_tf'] = self.loss_tf(s_tf, t_tf, keep)
            losses['kept_tf'] = keep.float().mean()
        if 'ss' in self.components:
            s_ss, t_ss = self.ss_scores(self.ss_head(s_pooled)), self.ss_scores(t_z)
            keep = self.loss_ss.mask(t_ss, self.ss_targets(n, data_samples, t_ss.device))
            losses['loss_ss'] = self.loss_ss(s_ss, t_ss, keep)
            losses['kept_ss'] = keep.float().mean()
        return losses


def _rename_legacy_classifier_keys(module: SSKDTeacher, state_dict: dict, prefix: str, *args) -> None:
    renamed = module.upgrade_state_dict(state_dict, prefix)
    if renamed.keys() != state_dict.keys():
        state_dict.clear()
        state_dict.update(renamed)
