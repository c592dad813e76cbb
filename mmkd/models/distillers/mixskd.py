"""MixSKD: Self-Knowledge Distillation from Mixup for Image Recognition (Yang et al., ECCV 2022).

One network with auxiliary branches after every stage but the last (fresh copies of the deeper
stages, :class:`~mmkd.models.branches.AuxiliaryBranches`), a self-teacher over the fused exit feature
maps and one discriminator per exit. Every step forwards ``cat([x, mixup(x)])`` once and pushes the
mixup half to behave like the lam-interpolation of the original half, in feature and logit space.
Only ``student`` (the plain classifier) is exported and evaluated.
"""

from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper, OptimWrapperDict
from torch import Tensor

from mmkd.registry import MODELS

from ..branches import AuxiliaryBranches, num_stages, set_out_indices
from ..heads.feature_discriminator import FeatureDiscriminator, grad_reverse
from ..heads.self_teacher import SelfTeacher
from ..losses import build_loss, fill_alias, mixed_cross_entropy, split_weight
from ..losses.mixup_cross_entropy import Lam
from ..utils import mix_tensors, mixup_with_meta
from .base import BaseClassifierModel, gt_labels

DISC_MODES = ('joint', 'grl', 'alternating')


def interpolate(a: Tensor, lam: Lam, index: Tensor) -> Tensor:
    """``lam * a + (1 - lam) * a[index]`` for a batch-wide float ``lam`` or a per-sample (B,) tensor."""
    if not isinstance(lam, Tensor):
        return mix_tensors(a, lam, index)
    lam = lam.to(a.dtype).view(-1, *([1] * (a.dim() - 1)))
    return lam * a + (1 - lam) * a[index]


__all__ = ['MixSKDDistiller', 'interpolate', 'mixed_cross_entropy']

#: the default terms (counted once over the exits where a term sums over them)
MIXSKD_LOSSES = dict(
    loss_cls=dict(type='SoftmaxCrossEntropy', loss_weight=1.0),
    loss_mixcls=dict(type='MixupCrossEntropy', loss_weight=1.0),
    loss_feat=dict(type='MSELoss', loss_weight=1.0),
    loss_dis=dict(type='DiscriminatorLoss', loss_weight=1.0),
    loss_b_logit=dict(type='KLDivergence', tau=3.0, loss_weight=1.0),
    loss_cls_h=dict(type='MixupCrossEntropy', loss_weight=1.0),
    loss_f_logit=dict(type='KLDivergence', tau=3.0, loss_weight=1.0),
)


@MODELS.register_module()
class MixSKDDistiller(BaseClassifierModel):
    """MixSKD single-network self-distillation.

    With K exits (K - 1 branches, then the backbone), ``F_k`` / ``z_k`` the feature map / logits of
    exit k, the original half ``x`` and the mixup half ``x~ = lam * x + (1 - lam) * x[index]``,
    ``F^_k = lam * F_k(x) + (1 - lam) * F_k(x)[index]`` and ``z^_k`` likewise (logit space, before
    any softmax), ``h_int = h(F^)``, ``h_mix = h(F(x~))``, ``KD(s <- t) = tau^2 KL(sg t || s)`` and
    ``w`` each term's ``loss_weight`` (it multiplies the term's sum):

    - ``loss_cls``: ``w * sum_k CE(z_k(x), y)`` (counted once, as the authors' code).
    - ``loss_mixcls``: ``w * sum_k CE(z_k(x~), y~)`` (mixup CE; ``use_task_mixup_ce``).
    - ``loss_feat``: ``w * sum_k mse(F^_k, F_k(x~))``, no stop-gradient (``use_feature_l2``).
    - ``loss_dis``: ``w * sum_k BCE(D_k(GAP F^_k) -> [1, 0], D_k(GAP F_k(x~)) -> [0, 1])``
      (``use_discriminator``). With ``disc_mode='alternating'`` it trains the discriminators alone, on
      detached maps, and the network gets ``loss_adv``, the same BCE with the targets flipped.
    - ``loss_b_logit``: ``w * sum_{k<K} KD(z^_k <- z_k(x~)) + KD(z_k(x~) <- z^_k)``
      (``use_branch_logit_kd``).
    - ``loss_cls_h``: ``w * (CE(h_int, y~) + CE(h_mix, y~))`` (``use_self_teacher``).
    - ``loss_f_logit``: ``w * (KD(z^_K <- h_mix) + KD(z_K(x~) <- h_int))`` -- cross pairing
      (``use_self_teacher``).

    Each term is a registered loss (defaults in :data:`MIXSKD_LOSSES`: ``SoftmaxCrossEntropy``,
    ``MixupCrossEntropy``, ``MSELoss``, ``DiscriminatorLoss`` and ``KLDivergence`` with tau 3, every
    weight 1). Only the KD teachers are detached. The mixup half is forwarded only when some term uses it.

    Args:
        student (dict): the classifier (``ImageClassifier``); its backbone must support stage
            copies (mmpretrain ``ResNet``/``ResNet_CIFAR`` or the mmkd CIFAR zoo).
        mixup_alpha (float): ``lam ~ Beta(alpha, alpha)``. 0.4 on CIFAR-100 / fine-grained, 0.2 on
            ImageNet. Defaults to 0.4.
        use_task_mixup_ce (bool): the mixup CE of every exit. Defaults to True.
        use_feature_l2 (bool): the feature L2 term. Defaults to True.
        use_discriminator (bool): the per-exit discriminator term. Defaults to True.
        use_branch_logit_kd (bool): mutual KD between interpolated and mixup branch logits.
            Defaults to True.
        use_self_teacher (bool): the self-teacher (its CE and its KD to the backbone exit).
            Defaults to True.
        loss_cls, loss_mixcls, loss_feat, loss_dis, loss_b_logit, loss_cls_h, loss_f_logit (dict,
            optional): the terms; a dict without ``type`` updates the default's keys. A
            ``loss_cls`` weight of 2.0 gives the paper's ``CE(z(x_i), y_i) + CE(z(x_j), y_j)`` (the
            two are equal batch means).
        self_teacher_stages (Sequence[int], optional): 0-based exits fused by the self-teacher
            (``K - 1`` = the backbone exit, negatives count from the end). Defaults to all.
        disc_mode (str): ``'joint'`` (the method: the network minimises the discriminator loss with
            everything else), ``'grl'`` (gradient reversal: the discriminators minimise it, the
            network maximises it) or ``'alternating'`` (GAN-style: a discriminator step, then a network
            step, each with its own optimizer; see :meth:`train_step`). Defaults to 'joint'.
        train_discriminator (bool): register the discriminators as trainable (the paper). False
            keeps them at their random initialisation, like the authors' code. Defaults to True.
        disc_hidden_channels (int): hidden width of each discriminator. Defaults to 128.
        lambda_per_sample (bool): one ``lam`` per sample instead of one per batch. Defaults to False.
        legacy_cifar_script (bool): the authors' CIFAR script: no mixup CE and no self-teacher CE
            (the self-teacher then stays untrained and is frozen). Defaults to False.
        temperature (float, optional): deprecated: ``tau`` of ``loss_b_logit`` and ``loss_f_logit``.
        beta, gamma (float, optional): deprecated: ``loss_feat.loss_weight``, ``loss_dis.loss_weight``.
        mu (float, optional): deprecated: ``loss_weight`` of ``loss_b_logit``, ``loss_cls_h`` and
            ``loss_f_logit``.
        orig_ce_weight (float, optional): deprecated: ``loss_cls.loss_weight``.
        **kwargs: see :class:`BaseClassifierModel` (``data_preprocessor``, ``init_cfg``).
    """

    def __init__(
        self,
        student: dict,
        mixup_alpha: float = 0.4,
        use_task_mixup_ce: bool = True,
        use_feature_l2: bool = True,
        use_discriminator: bool = True,
        use_branch_logit_kd: bool = True,
        use_self_teacher: bool = True,
        loss_cls: Optional[dict] = None,
        loss_mixcls: Optional[dict] = None,
        loss_feat: Optional[dict] = None,
        loss_dis: Optional[dict] = None,
        loss_b_logit: Optional[dict] = None,
        loss_cls_h: Optional[dict] = None,
        loss_f_logit: Optional[dict] = None,
        self_teacher_stages: Optional[Sequence[int]] = None,
        disc_mode: str = 'joint',
        train_discriminator: bool = True,
        disc_hidden_channels: int = 128,
        lambda_per_sample: bool = False,
        legacy_cifar_script: bool = False,
        temperature: Optional[float] = None,
        beta: Optional[float] = None,
        gamma: Optional[float] = None,
        mu: Optional[float] = None,
        orig_ce_weight: Optional[float] = None,
        **kwargs,
    ):
        if kwargs.get('teacher') is not None or kwargs.get('teacher_ckpt') is not None:
            raise ValueError(
                'MixSKDDistiller is single-network self-distillation: remove model.teacher and model.teacher_ckpt'
            )
        kwargs.pop('teacher', None), kwargs.pop('teacher_ckpt', None)
        super().__init__(student=student, **kwargs)
        if disc_mode not in DISC_MODES:
            raise ValueError(f'disc_mode={disc_mode!r} is not one of {list(DISC_MODES)}')
        if disc_mode == 'alternating' and not (use_discriminator and train_discriminator):
            raise ValueError(
                "disc_mode='alternating' trains the discriminators in a step of their own: it needs use_discriminator="
                f'True and train_discriminator=True, got {use_discriminator} and {train_discriminator}'
            )
        if mixup_alpha <= 0:
            raise ValueError(f'mixup_alpha must be > 0, got {mixup_alpha}')
        terms = dict(
            loss_cls=loss_cls,
            loss_mixcls=loss_mixcls,
            loss_feat=loss_feat,
            loss_dis=loss_dis,
            loss_b_logit=loss_b_logit,
            loss_cls_h=loss_cls_h,
            loss_f_logit=loss_f_logit,
        )
        aliases = [
            ('temperature', temperature, ('loss_b_logit', 'loss_f_logit'), 'tau'),
            ('beta', beta, ('loss_feat',), 'loss_weight'),
            ('gamma', gamma, ('loss_dis',), 'loss_weight'),
            ('mu', mu, ('loss_b_logit', 'loss_cls_h', 'loss_f_logit'), 'loss_weight'),
            ('orig_ce_weight', orig_ce_weight, ('loss_cls',), 'loss_weight'),
        ]
        for alias, value, names, key in aliases:
            for name in names:
                fill_alias(terms, MIXSKD_LOSSES, 'MixSKDDistiller', alias, value, name, key)
        for name, cfg in terms.items():
            setattr(self, name, build_loss(cfg, MIXSKD_LOSSES[name]))

        backbone = self.student.backbone
        total = num_stages(backbone)
        if total < 2:
            raise ValueError(f'MixSKD needs a backbone with >= 2 stages, got {total}')
        set_out_indices(backbone, range(total))
        num_classes = self.student.head.num_classes
        self.num_exits = total
        self.branches = AuxiliaryBranches(backbone, num_classes, taps=range(total - 1))
        channels = self.branches.out_channels

        self.mixup_alpha = float(mixup_alpha)
        self.use_task_mixup_ce, self.use_feature_l2 = use_task_mixup_ce, use_feature_l2
        self.use_discriminator, self.use_branch_logit_kd = use_discriminator, use_branch_logit_kd
        self.use_self_teacher = use_self_teacher
        self.disc_mode, self.train_discriminator = disc_mode, train_discriminator
        self.lambda_per_sample, self.legacy_cifar_script = lambda_per_sample, legacy_cifar_script

        self.self_teacher_stages = self._check_stages(self_teacher_stages, total)
        self.self_teacher = None
        if use_self_teacher:
            self.self_teacher = SelfTeacher(channels, len(self.self_teacher_stages), num_classes)
            if legacy_cifar_script:  # nothing trains it there (its CE is dropped, its KD outputs detached)
                self.self_teacher.requires_grad_(False)
        self.discriminators = None
        if use_discriminator:
            self.discriminators = nn.ModuleList(
                FeatureDiscriminator(channels, disc_hidden_channels) for _ in range(total)
            )
            if not train_discriminator:
                self.discriminators.requires_grad_(False)

    @staticmethod
    def _check_stages(stages: Optional[Sequence[int]], total: int) -> List[int]:
        if stages is None:
            return list(range(total))
        stages = list(stages)
        for s in stages:
            if not -total <= s < total:
                raise ValueError(
                    f'self_teacher_stages entry {s} is out of range for {total} exits '
                    f'(0-based, {total - 1} = the backbone exit)'
                )
        out = sorted({s % total for s in stages})
        if not out:
            raise ValueError('self_teacher_stages is empty; set use_self_teacher=False instead')
        return out

    @property
    def tau(self) -> float:
        """Temperature of the KD terms (``loss_f_logit``'s)."""
        return self.loss_f_logit.tau

    temperature = tau

    @property
    def mu(self) -> float:
        """Weight of the self-teacher and logit terms (``loss_f_logit``'s)."""
        return self.loss_f_logit.loss_weight

    @property
    def beta(self) -> float:
        return self.loss_feat.loss_weight

    @property
    def gamma(self) -> float:
        return self.loss_dis.loss_weight

    @property
    def orig_ce_weight(self) -> float:
        return self.loss_cls.loss_weight

    @property
    def uses_mixup(self) -> bool:
        """Whether any enabled term needs the mixup half of the batch."""
        return (
            (self.use_task_mixup_ce and not self.legacy_cifar_script)
            or self.use_feature_l2
            or self.use_discriminator
            or self.use_branch_logit_kd
            or self.use_self_teacher
        )

    # ----------------------------------------------------------------- pieces
    def mix(self, inputs: Tensor) -> Tuple[Tensor, Lam, Tensor]:
        """Mixup of the batch with a permutation of itself: ``(mixed, lam, index)``."""
        if not self.lambda_per_sample:
            return mixup_with_meta(inputs, self.mixup_alpha)
        b = inputs.shape[0]
        concentration = torch.tensor(self.mixup_alpha)
        lam = torch.distributions.Beta(concentration, concentration).sample((b,)).to(inputs.device)
        index = torch.randperm(b, device=inputs.device)
        return interpolate(inputs, lam, index), lam, index

    def forward_exits(self, inputs: Tensor) -> Tuple[List[Tensor], List[Tensor]]:
        """Feature maps and logits of every exit: branches first, the backbone (exit K) last."""
        feats, logits = self.classify(self.student, inputs)
        branch_feats, branch_logits = self.branches(feats)
        return branch_feats + [feats[-1]], branch_logits + [logits]

    # ----------------------------------------------------------------- loss
    def loss(self, inputs: Tensor, data_samples: list) -> dict:
        """The terms; with ``disc_mode='alternating'`` also ``loss_adv`` and ``loss_dis`` as the two steps
        of :meth:`train_step` compute them, both against the current discriminators."""
        losses, f_int, f_mix = self._terms(inputs, data_samples)
        if self.disc_mode == 'alternating':
            losses['loss_adv'] = self.adversarial_loss(f_int, f_mix)
            losses['loss_dis'] = self.discriminator_loss(f_int, f_mix)
        return losses

    def _terms(self, inputs: Tensor, data_samples: list) -> Tuple[dict, list, list]:
        """Every term but the alternating mode's two, and the exits' ``F^`` / ``F(x~)`` maps."""
        labels = gt_labels(data_samples, inputs.device)
        b = inputs.shape[0]
        w_cls, ce = split_weight(self.loss_cls)
        if not self.uses_mixup:
            _, logits = self.forward_exits(inputs)
            return dict(loss_cls=w_cls * sum(ce(z, labels) for z in logits)), [], []

        mixed, lam, index = self.mix(inputs)
        feats, logits = self.forward_exits(torch.cat([inputs, mixed]))  # one pass: shared BN statistics
        f_mix, z_mix = [f[b:] for f in feats], [z[b:] for z in logits]
        f_int = [interpolate(f[:b], lam, index) for f in feats]
        z_int = [interpolate(z[:b], lam, index) for z in logits]  # logit space, before any softmax

        losses = dict(loss_cls=w_cls * sum(ce(z[:b], labels) for z in logits))
        if self.use_task_mixup_ce and not self.legacy_cifar_script:
            w, mixed_ce = split_weight(self.loss_mixcls)
            losses['loss_mixcls'] = w * sum(mixed_ce(z, labels, lam, index) for z in z_mix)
        if self.use_feature_l2:
            w, mse = split_weight(self.loss_feat)
            losses['loss_feat'] = w * sum(mse(fi, fm) for fi, fm in zip(f_int, f_mix))
        if self.use_discriminator and self.disc_mode != 'alternating':
            pairs = zip(f_int, f_mix)
            if self.disc_mode == 'grl':
                pairs = ((grad_reverse(fi), grad_reverse(fm)) for fi, fm in pairs)
            w, dis = split_weight(self.loss_dis)
            losses['loss_dis'] = w * sum(dis(d, fi, fm) for d, (fi, fm) in zip(self.discriminators, pairs))
        if self.use_branch_logit_kd:
            w, kd = split_weight(self.loss_b_logit)
            losses['loss_b_logit'] = w * sum(kd(zi, zm) + kd(zm, zi) for zi, zm in zip(z_int[:-1], z_mix[:-1]))
        if self.use_self_teacher:
            h_int = self.self_teacher([f_int[k] for k in self.self_teacher_stages])
            h_mix = self.self_teacher([f_mix[k] for k in self.self_teacher_stages])
            if not self.legacy_cifar_script:
                w, mixed_ce = split_weight(self.loss_cls_h)
                losses['loss_cls_h'] = w * (mixed_ce(h_int, labels, lam, index) + mixed_ce(h_mix, labels, lam, index))
            # cross pairing: the interpolated backbone logits learn from h_mix and vice versa
            w, kd = split_weight(self.loss_f_logit)
            losses['loss_f_logit'] = w * (kd(z_int[-1], h_mix) + kd(z_mix[-1], h_int))
        return losses, f_int, f_mix

    # ----------------------------------------------------------------- disc_mode='alternating'
    def discriminator_loss(self, f_int: List[Tensor], f_mix: List[Tensor]) -> Tensor:
        """``loss_dis`` on the maps detached from the network: what the discriminator step minimises."""
        w, dis = split_weight(self.loss_dis)
        return w * sum(dis(d, fi.detach(), fm.detach()) for d, fi, fm in zip(self.discriminators, f_int, f_mix))

    def adversarial_loss(self, f_int: List[Tensor], f_mix: List[Tensor]) -> Tensor:
        """The network's term: ``loss_dis`` with the labels flipped (``F^`` -> [0, 1], ``F(x~)`` -> [1, 0]).

        Non-saturating rather than min-max (``-loss_dis``, 'grl''s sign): the min-max gradient vanishes
        as the discriminators win, the flipped-label one does not.
        """
        w, dis = split_weight(self.loss_dis)
        return w * sum(dis(d, fm, fi) for d, fi, fm in zip(self.discriminators, f_int, f_mix))

    def train_step(self, data: Union[dict, tuple, list], optim_wrapper: OptimWrapper) -> Dict[str, Tensor]:
        """``BaseModel.train_step``; with ``disc_mode='alternating'``, a discriminator step then a network step.

        One forward of the network gives every term. (1) The ``discriminators`` wrapper minimises
        :meth:`discriminator_loss` (the maps detached: no gradient reaches the network). (2) The
        ``network`` wrapper minimises the other terms plus :meth:`adversarial_loss` against the updated,
        frozen discriminators (the order of a GAN's alternation).

        Args:
            data (dict | tuple | list): a batch from the dataloader.
            optim_wrapper (OptimWrapper | OptimWrapperDict): with ``'alternating'``, an
                ``OptimWrapperDict`` with the keys ``discriminators`` and ``network``
                (``MultiOptimWrapperConstructor`` builds it).

        Returns:
            dict[str, Tensor]: the network step's terms, ``loss_adv`` and their sum ``loss``, and the
            discriminator step's ``loss_dis``.
        """
        if self.disc_mode != 'alternating':
            return super().train_step(data, optim_wrapper)
        disc_wrapper, net_wrapper = self._alternating_wrappers(optim_wrapper)
        with net_wrapper.optim_context(self):
            data = self.data_preprocessor(data, True)
            losses, f_int, f_mix = self._terms(**data)

        with disc_wrapper.optim_context(self.discriminators):
            loss_dis = self.discriminator_loss(f_int, f_mix)
        parsed_dis, log_dis = self.parse_losses(dict(loss_dis=loss_dis))
        disc_wrapper.update_params(parsed_dis)

        self.discriminators.requires_grad_(False)
        try:
            with net_wrapper.optim_context(self):
                losses['loss_adv'] = self.adversarial_loss(f_int, f_mix)
            parsed, log_vars = self.parse_losses(losses)
            net_wrapper.update_params(parsed)
        finally:
            self.discriminators.requires_grad_(True)
        log_vars['loss_dis'] = log_dis['loss_dis']
        return log_vars

    @staticmethod
    def _alternating_wrappers(optim_wrapper) -> Tuple[OptimWrapper, OptimWrapper]:
        example = (
            "optim_wrapper=dict(constructor='MultiOptimWrapperConstructor', discriminators=dict(optimizer=...), "
            'network=dict(optimizer=...)) (configs/mixskd/mixskd-alternating_resnet18_1xb128-205e_cifar100.py)'
        )
        if not isinstance(optim_wrapper, OptimWrapperDict):
            raise ValueError(
                "disc_mode='alternating' steps the discriminators and the network with optimizers of their own, "
                f'but got one {type(optim_wrapper).__name__}: set {example}'
            )
        keys = sorted(optim_wrapper.keys())
        if keys != ['discriminators', 'network']:
            raise ValueError(
                f"disc_mode='alternating' needs the optimizer wrappers 'discriminators' and 'network', got {keys}: "
                f'set {example}'
            )
        return optim_wrapper['discriminators'], optim_wrapper['network']
