"""SSSD stage 3: BYOT-style self-distillation on cluster pseudo-labels (Chen & Chu, WACV 2023).

A ResNet's stages 1..L-1 each get a shallow exit: bottleneck blocks that take the stage output
to the shape of the last stage's output, then GAP and a K-way FC. The deepest exit is the
student's own head and is the teacher. With ``y`` the pseudo-label, ``z_i`` / ``F_i`` the logits /
adapted features of exit ``i`` and ``z_L`` / ``F_L`` the student's (eqs. 1-4)::

    loss_ce       = CE(z_L, y)
    loss_ce_exits = (1 - alpha) * sum_i CE(z_i, y)
    loss_kd       = alpha * sum_i tau^2 KL(softmax(sg z_L / tau) || softmax(z_i / tau))
    loss_feat     = lambda * sum_i ||F_i - sg F_L||^2 / B     (feat_reduction='sum': over elements, mean over batch)

The paper fixes neither the reduction of the feature hint nor whether the maps are pooled first;
``feat_reduction`` chooses ``'sum'`` (above), ``'mean'`` (mean over elements too, ``F.mse_loss``) or
``'pooled'`` (the squared distance of the globally pooled features, mean over batch).

The exits are siblings of ``self.student``, so export keeps the plain ResNet classifier only.
"""

from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule, ModuleList
from mmpretrain.models.backbones.resnet import Bottleneck, ResLayer

from mmkd.registry import MODELS
from mmkd.utils.choices import check_choice

from ..branches import num_stages, set_out_indices
from ..losses import FEAT_REDUCTIONS, HEAD_LOSS, build_head_loss, build_loss, feature_hint, fill_alias, split_weight
from .base import BaseClassifierModel, gt_labels, neck_features

__all__ = ['SSSDDistiller', 'BottleneckExit', 'exit_paths', 'probe_stage_shapes', 'feature_hint', 'FEAT_REDUCTIONS']

LOSS_KD = dict(type='KLDivergence', tau=3.0, loss_weight=0.3)
LOSS_FEAT = dict(type='FeatureHint', reduction='sum', loss_weight=0.003)
#: loss_ce_exits weighs the exits' CE by 1 - alpha with alpha = loss_kd's weight
LOSS_CE_EXITS_WEIGHT = 1 - 0.3


@torch.no_grad()
def probe_stage_shapes(backbone: nn.Module, size: int = 64) -> List[Tuple[int, int, int]]:
    """(C, H, W) of every backbone output for a ``size`` x ``size`` input (eval mode, no grad)."""
    first_conv = next((m for m in backbone.modules() if isinstance(m, nn.Conv2d)), None)
    in_channels = first_conv.in_channels if first_conv is not None else 3
    was_training = backbone.training
    backbone.eval()
    try:
        outs = backbone(torch.zeros(1, in_channels, size, size, device=next(backbone.parameters()).device))
    finally:
        backbone.train(was_training)
    return [tuple(o.shape[1:]) for o in outs]


class BottleneckExit(BaseModule):
    """A shallow exit: bottleneck blocks to the final feature shape, then GAP and a linear layer.

    Args:
        path (Sequence[tuple]): ``(in_channels, out_channels, stride)`` of every block; the last
            block's output has the shape of the backbone's final feature.
        num_classes (int): outputs of the classifier (the number of clusters).
        norm_cfg (dict): normalisation of the blocks. Defaults to BN.
        init_cfg (dict | list, optional): initialisation config.
    """

    def __init__(
        self,
        path: Sequence[Tuple[int, int, int]],
        num_classes: int,
        norm_cfg: Optional[dict] = None,
        init_cfg: Optional[Union[dict, list]] = None,
    ):
        init_cfg = init_cfg or [
            dict(type='Kaiming', layer='Conv2d', mode='fan_out', nonlinearity='relu'),
            dict(type='Constant', val=1, bias=0, layer=['_BatchNorm']),
        ]
        super().__init__(init_cfg)
        if not path:
            raise ValueError('an exit needs at least one bottleneck block')
        norm_cfg = norm_cfg or dict(type='BN')
        self.adapter = nn.Sequential(
            *[
                ResLayer(Bottleneck, 1, c_in, c_out, expansion=4, stride=stride, norm_cfg=norm_cfg)
                for c_in, c_out, stride in path
            ]
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(path[-1][1], num_classes)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """(adapted feature map ``F_i``, logits ``z_i``)."""
        feat = self.adapter(x)
        return feat, self.fc(self.pool(feat).flatten(1))


def exit_paths(shapes: Sequence[Tuple[int, int, int]]) -> List[List[Tuple[int, int, int]]]:
    """Block plans ``[(in, out, stride), ...]`` of the exits after stages ``0..L-2``.

    One bottleneck per deeper stage, with that stage's output channels and downsampling, so
    every exit ends at the shape of the final feature (the L2 hints need equal shapes).
    """
    paths = []
    for tap in range(len(shapes) - 1):
        path = []
        for j in range(tap + 1, len(shapes)):
            (c_in, h_in, _), (c_out, h_out, _) = shapes[j - 1], shapes[j]
            stride = next((s for s in (1, 2) if -(-h_in // s) == h_out), None)
            if stride is None:
                raise ValueError(
                    f'backbone stage {j} maps {h_in}px to {h_out}px; SSSD exits support '
                    'stages that keep or halve the resolution'
                )
            path.append((c_in, c_out, stride))
        paths.append(path)
    return paths


@MODELS.register_module()
class SSSDDistiller(BaseClassifierModel):
    """Self-distillation of SSSD / BYOT with shallow exits, trained on cluster pseudo-labels.

    ``mode='predict'`` returns the student's (deepest exit's) predictions; with ``eval_exits``
    they carry ``exit_scores`` (softmax of every exit, shallow first) for :class:`ExitAccuracy`.

    Args:
        student (dict): classifier whose head has ``num_classes`` = the number of clusters K.
        loss_ce (dict, optional): the deepest exit's CE; ``None`` (default) is the head's own loss
            module, ``dict(loss_weight=w)`` weights it, a dict with a ``type`` replaces it.
        loss_ce_exits (dict, optional): the shallow exits' CE (summed over exits); the head's loss
            weighted ``1 - alpha`` = 0.7 by default.
        loss_kd (dict, optional): the exits' KD to the deepest exit (summed over exits). Defaults
            to ``dict(type='KLDivergence', tau=3.0, loss_weight=0.3)`` (alpha 0.3).
        loss_feat (dict, optional): the feature hints (summed over exits). Defaults to
            ``dict(type='FeatureHint', reduction='sum', loss_weight=0.003)`` (lambda); the
            reduction of ``F_i - F_L`` is ``'sum'`` or ``'mean'`` over elements or ``'pooled'``
            (pool first, sum over channels), each then averaged over the batch.
        detach_teacher (bool): stop gradients through the deepest exit's logits and feature in
            the KL and L2 terms. Defaults to True.
        taps (Sequence[int], optional): stages that get an exit; defaults to all but the last.
        probe_size (int): input size used once at construction to read the stage shapes.
            Defaults to 64.
        eval_exits (bool): attach ``exit_scores`` in ``predict``. Defaults to True.
        alpha (float, optional): deprecated: ``loss_kd.loss_weight``, with ``1 - alpha`` the
            ``loss_ce_exits.loss_weight``.
        feat_weight (float, optional): deprecated: ``loss_feat.loss_weight``.
        tau (float, optional): deprecated: ``loss_kd.tau``.
        feat_reduction (str, optional): deprecated: ``loss_feat.reduction``.
        **kwargs: see :class:`BaseClassifierModel` (``teacher`` is not allowed: the network teaches itself).
    """

    def __init__(
        self,
        student: dict,
        loss_ce: Optional[dict] = None,
        loss_ce_exits: Optional[dict] = None,
        loss_kd: Optional[dict] = None,
        loss_feat: Optional[dict] = None,
        detach_teacher: bool = True,
        taps: Optional[Sequence[int]] = None,
        probe_size: int = 64,
        eval_exits: bool = True,
        alpha: Optional[float] = None,
        feat_weight: Optional[float] = None,
        tau: Optional[float] = None,
        feat_reduction: Optional[str] = None,
        **kwargs,
    ):
        if kwargs.get('teacher') is not None:
            raise ValueError(
                'SSSDDistiller is self-distillation: its teacher is its own deepest exit; remove model.teacher'
            )
        kwargs.pop('teacher', None), kwargs.pop('teacher_ckpt', None)
        super().__init__(student=student, **kwargs)
        if alpha is not None and not 0 <= alpha <= 1:
            raise ValueError(f'SSSDDistiller: alpha must be in [0, 1], got {alpha}')
        if feat_reduction is not None:
            check_choice('feat_reduction', feat_reduction, FEAT_REDUCTIONS, 'SSSDDistiller')
        terms = dict(loss_ce=loss_ce, loss_ce_exits=loss_ce_exits, loss_kd=loss_kd, loss_feat=loss_feat)
        defaults = dict(
            loss_ce=HEAD_LOSS,
            loss_ce_exits=dict(type='HeadLoss', loss_weight=LOSS_CE_EXITS_WEIGHT),
            loss_kd=LOSS_KD,
            loss_feat=LOSS_FEAT,
        )
        fill_alias(terms, defaults, 'SSSDDistiller', 'alpha', alpha, 'loss_kd')
        fill_alias(terms, defaults, 'SSSDDistiller', 'alpha', None if alpha is None else 1 - alpha, 'loss_ce_exits')
        fill_alias(terms, defaults, 'SSSDDistiller', 'feat_weight', feat_weight, 'loss_feat')
        fill_alias(terms, defaults, 'SSSDDistiller', 'tau', tau, 'loss_kd', 'tau')
        fill_alias(terms, defaults, 'SSSDDistiller', 'feat_reduction', feat_reduction, 'loss_feat', 'reduction')
        head = self.student.head
        self.loss_ce = build_head_loss(terms['loss_ce'], head)
        self.loss_ce_exits = build_head_loss(terms['loss_ce_exits'], head, LOSS_CE_EXITS_WEIGHT)
        # the deepest exit teaches: detach_teacher stops its gradient in the KD term too
        self.loss_kd = build_loss(terms['loss_kd'], dict(LOSS_KD, detach_target=detach_teacher))
        self.loss_feat = build_loss(terms['loss_feat'], LOSS_FEAT)
        self.detach_teacher, self.eval_exits = detach_teacher, eval_exits
        backbone = self.student.backbone
        total = num_stages(backbone)
        self.taps = list(range(total - 1)) if taps is None else sorted({int(t) % total for t in taps})
        if total - 1 in self.taps:
            raise ValueError(f'taps {list(taps)} include the last stage ({total - 1}): its exit is the student head')
        set_out_indices(backbone, range(total))
        paths = exit_paths(probe_stage_shapes(backbone, probe_size))
        self.num_classes = self.student.head.num_classes
        self.exits = ModuleList(BottleneckExit(paths[t], self.num_classes) for t in self.taps)

    @property
    def alpha(self) -> float:
        return self.loss_kd.loss_weight

    @property
    def tau(self) -> float:
        return self.loss_kd.tau

    @property
    def feat_weight(self) -> float:
        return self.loss_feat.loss_weight

    @property
    def feat_reduction(self) -> str:
        return self.loss_feat.reduction

    # ----------------------------------------------------------------- forward passes
    def forward_exits(self, inputs: torch.Tensor) -> Tuple[List[torch.Tensor], List[torch.Tensor]]:
        """Features ``[F_taps..., F_L]`` and logits ``[z_taps..., z_L]``, deepest last."""
        stage_feats, logits = self.classify(self.student, inputs)
        feats, exit_logits = [], []
        for tap, exit_ in zip(self.taps, self.exits):
            f, z = exit_(stage_feats[tap])
            feats.append(f)
            exit_logits.append(z)
        return feats + [stage_feats[-1]], exit_logits + [logits]

    @torch.no_grad()
    def exit_features(self, inputs: torch.Tensor) -> List[torch.Tensor]:
        """Globally pooled features of every exit, deepest last (for linear probes)."""
        feats, _ = self.forward_exits(inputs)
        return [F.adaptive_avg_pool2d(f, 1).flatten(1) for f in feats]

    def loss(self, inputs: torch.Tensor, data_samples: list) -> dict:
        labels = gt_labels(data_samples, inputs.device)
        if int(labels.max()) >= self.num_classes:
            raise ValueError(
                f'pseudo-label {int(labels.max())} does not fit the {self.num_classes}-way head: set '
                'model.student.head.num_classes to the num_clusters of the annotation file'
            )
        feats, logits = self.forward_exits(inputs)
        *shallow_feats, teacher_feat = feats
        *shallow_logits, teacher_logits = logits
        losses = dict(loss_ce=self.loss_ce(teacher_logits, labels))
        if not shallow_logits:
            return losses
        if self.detach_teacher:
            teacher_feat = teacher_feat.detach()
        w, ce = split_weight(self.loss_ce_exits)
        losses['loss_ce_exits'] = w * sum(ce(z, labels) for z in shallow_logits)
        w, kd = split_weight(self.loss_kd)
        losses['loss_kd'] = w * sum(kd(z, teacher_logits) for z in shallow_logits)
        for f in shallow_feats:
            if f.shape != teacher_feat.shape:
                raise ValueError(
                    f'an exit feature has shape {tuple(f.shape)} but the final feature has '
                    f'{tuple(teacher_feat.shape)}; check the input size against probe_size'
                )
        w, hint = split_weight(self.loss_feat)
        losses['loss_feat'] = w * sum(hint(f, teacher_feat) for f in shallow_feats)
        return losses

    def predict(self, inputs: torch.Tensor, data_samples: Optional[list] = None) -> list:
        stage_feats = self.student.backbone(inputs)
        preds = self.student.head.predict(neck_features(self.student, stage_feats), data_samples)
        if self.eval_exits:
            scores = [F.softmax(exit_(stage_feats[t])[1], dim=1) for t, exit_ in zip(self.taps, self.exits)]
            scores.append(torch.stack([p.pred_score for p in preds]))
            per_sample = torch.stack(scores, 1)  # (N, exits, K)
            for pred, row in zip(preds, per_sample):
                pred.set_field(row, 'exit_scores', dtype=torch.Tensor)
        return preds
