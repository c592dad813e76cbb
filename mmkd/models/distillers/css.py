"""CSS: Channel Self-Supervision for Online Knowledge Distillation (Fan et al.).

Two peer :class:`~mmkd.models.classifiers.CSSNetwork` s (possibly of different architectures) see
the same batch. Each is trained with the mean over its branches of the joint-label CE; branch
``j`` of each peer learns from branch ``j`` of the other (same mask, same transformation id)
by the KD term ``loss_kd`` (``tau^2 KL`` over the full ``K * m`` joint softmax), weighted by the
dynamic weights ``alpha1 = CE1 / CE2`` (peer 0 learning) and ``alpha2 = 1 / alpha1``. As in the
authors' code, nothing is detached by default: gradients reach the KD targets and the weights'
CE inputs.

The whole objective is one sum with one backward; one SGD optimizer over both peers equals the
code's two identically configured optimizers, since SGD updates every parameter independently.
Checkpoints are exported by ``tools/export_student.py`` (:mod:`mmkd.apis.export_css`).
"""

import copy
import warnings
from typing import Callable, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import Config, ConfigDict
from torch import Tensor

from mmkd.registry import MODELS
from mmkd.utils.choices import check_choice

from ..classifiers.css_network import CSSNetwork, branch_class_logits, scores_to_samples
from ..losses import build_loss, fill_alias, kl_div_with_temperature, split_weight
from .base import BaseClassifierModel, gt_labels

DIVERSITY_SPACES = ('joint', 'class')
#: switches of the distiller that every peer must share (branches are distilled one-to-one)
SHARED_NETWORK_KEYS = ('num_branches', 'sample_diversity', 'target_diversity', 'mask_layout', 'mask_fraction')
#: the KD term by default: the authors' T = 3, gradients through the peer's softmax
DEFAULT_LOSS_KD = dict(type='KLDivergence', tau=3.0, detach_target=False, loss_weight=1.0)
#: deprecated config keys -> the keys that replaced them
DEPRECATED_KEYS = {
    'net1': 'peers[0]',
    'net2': 'peers[1]',
    'num_networks': 'peers (one entry per network)',
    'eval_mode': "eval_peer / ensemble ('net1_agg' -> eval_peer=0, 'net2_agg' -> eval_peer=1, "
    "'ensemble' -> ensemble=True)",
    'temperature': 'loss_kd.tau',
    'detach_teacher': 'loss_kd.detach_target',
}
LEGACY_EVAL_MODES = ('net1_agg', 'net2_agg', 'ensemble')


def _plain_dict(cfg) -> dict:
    return copy.deepcopy(cfg.to_dict() if isinstance(cfg, ConfigDict) else dict(cfg))


def upgrade_css_cfg(cfg: dict, warn: bool = True) -> dict:
    """A ``CSSDistiller`` config (or its keyword arguments) with the deprecated keys of
    :data:`DEPRECATED_KEYS` written under their current names.

    A current key left at its default (as a base config spells it out) gives way to the deprecated
    key an older child config sets; any other value set both ways is an error.

    Args:
        cfg (dict): the config; it is not modified.
        warn (bool): issue a ``DeprecationWarning`` naming the new key per deprecated key. Defaults to True.

    Returns:
        dict: the config without deprecated keys.
    """
    cfg = _plain_dict(cfg)
    with warnings.catch_warnings():
        if not warn:
            warnings.simplefilter('ignore', DeprecationWarning)
        for key in ('net1', 'net2', 'num_networks', 'eval_mode'):
            if key in cfg:
                warnings.warn(f'CSSDistiller: {key} is deprecated; use {DEPRECATED_KEYS[key]}', DeprecationWarning, 3)
        if {'net1', 'net2', 'num_networks'} & set(cfg):
            net1, net2, num_networks = (cfg.pop(k, None) for k in ('net1', 'net2', 'num_networks'))
            cfg['peers'] = _legacy_peers(cfg.get('peers'), net1, net2, num_networks)
        if 'eval_mode' in cfg:
            mode = cfg.pop('eval_mode')
            check_choice('eval_mode', mode, LEGACY_EVAL_MODES)
            peers = cfg.get('peers')
            if isinstance(peers, (list, tuple)) and len(peers) == 1 and mode != 'net1_agg':
                raise ValueError(f'eval_mode={mode!r} needs two networks; num_networks=1 has net1_agg only')
            eval_peer, ensemble = (1 if mode == 'net2_agg' else 0), mode == 'ensemble'
            if cfg.get('eval_peer', 0) not in (0, eval_peer) or cfg.get('ensemble', False) not in (False, ensemble):
                raise ValueError(
                    'CSSDistiller: eval_mode is the deprecated form of eval_peer / ensemble; give one form'
                )
            cfg['eval_peer'], cfg['ensemble'] = eval_peer, ensemble
        terms = dict(loss_kd=cfg.get('loss_kd'))
        fill_alias(
            terms,
            dict(loss_kd=DEFAULT_LOSS_KD),
            'CSSDistiller',
            'temperature',
            cfg.pop('temperature', None),
            'loss_kd',
            'tau',
        )
        detach = cfg.pop('detach_teacher', None)
        fill_alias(
            terms, dict(loss_kd=DEFAULT_LOSS_KD), 'CSSDistiller', 'detach_teacher', detach, 'loss_kd', 'detach_target'
        )
        if terms['loss_kd'] is not None:
            cfg['loss_kd'] = terms['loss_kd']
    return cfg


def _legacy_peers(peers, net1, net2, num_networks) -> list:
    """``peers`` from the deprecated ``net1`` / ``net2`` / ``num_networks``.

    Over an existing ``peers`` (an older child config, or ``--cfg-options model.net1...``, on a current
    base), ``net{k}`` is merged into ``peers[k-1]`` as a child config's dict is merged into its base's.
    """
    if num_networks is not None:
        check_choice('num_networks', num_networks, (1, 2))
    if peers is None:
        if net1 is None:
            raise ValueError('CSSDistiller needs peers=[...] (one or two CSSNetwork configs)')
        return [net1, net2][: num_networks or 2]  # net2=None: a second net1, as peers[1]=None
    count = num_networks or (2 if net2 is not None else len(peers))
    peers = list(peers) + [None] * (2 - len(peers))
    for k, net in enumerate((net1, net2)):
        if net is not None:
            peers[k] = _without_delete(Config._merge_a_into_b(_plain_dict(net), _plain_dict(peers[k] or {})))
    return peers[:count]


def _without_delete(cfg):
    if isinstance(cfg, dict):
        return {k: _without_delete(v) for k, v in cfg.items() if k != '_delete_'}
    return cfg


def css_network_cfgs(peers: Sequence[Optional[dict]], **shared) -> List[dict]:
    """The config of every peer, with the distiller's shared switches written in.

    Args:
        peers (list[dict | None]): one ``CSSNetwork`` config (``type`` defaults to ``'CSSNetwork'``)
            per peer: one entry (no distillation: the paper's ablation cases A/B) or two; a None
            second entry makes it a second, independently initialised ``peers[0]``.
        **shared: values of ``SHARED_NETWORK_KEYS``; a peer config may repeat one only with the
            same value.

    Returns:
        list[dict]: one config per peer.
    """
    if not isinstance(peers, (list, tuple)):
        raise TypeError(f'peers must be a list of CSSNetwork configs, got {type(peers).__name__}')
    check_choice('len(peers)', len(peers), (1, 2))
    cfgs = [peers[0] if cfg is None and k > 0 else cfg for k, cfg in enumerate(peers)]
    out = []
    for k, cfg in enumerate(cfgs):
        if not isinstance(cfg, dict):
            raise TypeError(f'peers[{k}] must be a CSSNetwork config dict, got {type(cfg).__name__}')
        cfg = _plain_dict(cfg)
        cfg.setdefault('type', 'CSSNetwork')
        for key, value in shared.items():
            if key in cfg and cfg[key] != value:
                raise ValueError(
                    f"peers[{k}].{key}={cfg[key]!r} conflicts with the distiller's {key}={value!r}; "
                    'set it once on the distiller (both peers must share it)'
                )
            cfg[key] = value
        out.append(cfg)
    return out


def css_dynamic_weights(ce1: Tensor, ce2: Tensor, dynamic: bool = True, detach: bool = False) -> Tuple[Tensor, Tensor]:
    """``alpha1 = CE1 / CE2`` (weight of peer 0 learning from peer 1) and ``alpha2 = CE2 / CE1``.

    The weaker peer (higher CE) leans more on the other. ``dynamic=False`` gives the fixed
    weights 1 (ablation case C); ``detach`` stops the gradient into the CEs through the weights
    (the authors' code does not).
    """
    if not dynamic:
        one = torch.ones((), device=ce1.device, dtype=ce1.dtype)
        return one, one
    if detach:
        ce1, ce2 = ce1.detach(), ce2.detach()
    return ce1 / ce2, ce2 / ce1


def branch_mean(term: Callable[[Tensor, Tensor], Tensor], student: Tensor, teacher: Tensor) -> Tensor:
    """Mean over matching branches ``j`` of ``term(student[:, j], teacher[:, j])``.

    Args:
        term (callable): an unweighted two-input loss, e.g. ``KLDivergence.compute``.
        student (Tensor): (B, m, D) branch logits of the learning peer.
        teacher (Tensor): (B, m, D) branch logits of the other peer; branch ``j`` teaches branch ``j``.

    Returns:
        Tensor: scalar.
    """
    if student.shape != teacher.shape:
        raise ValueError(
            f'CSS distils matching branches of equal width; got {tuple(student.shape)} and '
            f'{tuple(teacher.shape)} (B, branches, outputs): give both peers the same '
            'num_classes and num_branches'
        )
    return torch.stack([term(student[:, j], teacher[:, j]) for j in range(student.shape[1])]).mean()


def branch_kd(student: Tensor, teacher: Tensor, tau: float, detach_teacher: bool = False) -> Tensor:
    """Mean over matching branches ``j`` of ``tau^2 KL(softmax(t_j / tau) || softmax(s_j / tau))``
    (:func:`branch_mean` of the default KD term)."""
    return branch_mean(lambda s, t: kl_div_with_temperature(s, t, tau, detach_teacher), student, teacher)


@MODELS.register_module()
class CSSDistiller(BaseClassifierModel):
    """CSS online distillation between one or two :class:`CSSNetwork` peers.

    Loss terms (logged under the paper's 1-based names): ``net{k}.loss_ce`` (mean over branches
    of peer ``k-1``'s joint-label CE) and, with two peers, ``net1.loss_kd = alpha1 * loss_kd(peer 0
    <- peer 1)`` and ``net2.loss_kd = alpha2 * loss_kd(peer 1 <- peer 0)``, each the mean over
    matching branches; ``alpha1`` and ``alpha2`` are logged.

    ``predict`` scores by peer ``eval_peer`` (or by the ensemble, ``ensemble=True``) and attaches
    ``css_net_logits`` (peers x K aggregated logits) and ``css_branch_probs`` (peers x m x D
    branch softmax) to every sample for the ``CSSMetric`` (per-peer / ensemble accuracy, branch
    diversity).

    Args:
        peers (list[dict | None]): ``CSSNetwork`` configs (``backbone``, ``num_classes``): two for
            CSS, one for a single network trained on the CE only; a None second entry is a second,
            independently initialised ``peers[0]``.
        eval_peer (int): the peer ``predict`` / ``tensor`` score and export takes (0-based).
            Defaults to 0.
        ensemble (bool): score by the mean of both peers' aggregated logits instead. Defaults to False.
        num_branches (int): m, branches per peer. Defaults to 3.
        loss_kd (dict, optional): the KD term between matching branches, a registered loss taking
            ``(student, teacher)`` logits; a dict without ``type`` updates the default
            ``dict(type='KLDivergence', tau=3.0, detach_target=False, loss_weight=1.0)``.
        sample_diversity (bool): per-branch spatial masks. Defaults to True.
        target_diversity (bool): joint K*m labels (False: plain K labels). Defaults to True.
        dynamic_weight (bool): ``alpha1 = CE1/CE2``; False fixes both weights to 1. Defaults to True.
        mask_layout (str): see :func:`mmkd.models.utils.css_masks`. Defaults to 'code_corners'.
        mask_fraction (float, optional): corner layouts: fraction of positions masked; None is the
            code's (H//4) x (W//4) block. Defaults to None.
        detach_alpha (bool): stop gradients through the dynamic weights. Defaults to False (code).
        diversity_space (str): softmax the diversity metric compares: ``'joint'`` (each branch's
            full K*m output, as the authors' code) or ``'class'`` (its K logits of its own
            transformation). Defaults to 'joint'.
        **kwargs: ``data_preprocessor``, ``init_cfg`` (see :class:`BaseClassifierModel`), and the
            deprecated keys of :data:`DEPRECATED_KEYS` (``net1``, ``net2``, ``num_networks``,
            ``eval_mode``, ``temperature``, ``detach_teacher``), accepted with a ``DeprecationWarning``.
    """

    #: ``tools/test.py`` scores the whole model (CSSMetric reads every peer), not one peer alone
    evaluate_peers_alone = False

    def __init__(
        self,
        peers: Optional[List[Optional[dict]]] = None,
        eval_peer: int = 0,
        ensemble: bool = False,
        num_branches: int = 3,
        loss_kd: Optional[dict] = None,
        sample_diversity: bool = True,
        target_diversity: bool = True,
        dynamic_weight: bool = True,
        mask_layout: str = 'code_corners',
        mask_fraction: Optional[float] = None,
        detach_alpha: bool = False,
        diversity_space: str = 'joint',
        **kwargs,
    ):
        legacy = {key: kwargs.pop(key) for key in DEPRECATED_KEYS if key in kwargs}
        legacy_keys = bool({'net1', 'net2', 'num_networks'} & set(legacy))
        if legacy:
            new = upgrade_css_cfg(dict(legacy, peers=peers, loss_kd=loss_kd, eval_peer=eval_peer, ensemble=ensemble))
            peers, loss_kd, eval_peer, ensemble = (new[k] for k in ('peers', 'loss_kd', 'eval_peer', 'ensemble'))
        super().__init__(student=None, **kwargs)
        if peers is None:
            raise ValueError('CSSDistiller needs peers=[...] (one or two CSSNetwork configs)')
        check_choice('diversity_space', diversity_space, DIVERSITY_SPACES)
        cfgs = css_network_cfgs(
            peers,
            num_branches=num_branches,
            sample_diversity=sample_diversity,
            target_diversity=target_diversity,
            mask_layout=mask_layout,
            mask_fraction=mask_fraction,
        )
        if not 0 <= eval_peer < len(cfgs):
            raise ValueError(f'eval_peer={eval_peer} is out of range for {len(cfgs)} peer(s)')
        if ensemble and len(cfgs) < 2:
            raise ValueError('ensemble=True needs two peers; a single network has no ensemble')
        self.peers = nn.ModuleList(MODELS.build(cfg) for cfg in cfgs)
        for k, peer in enumerate(self.peers):
            if not isinstance(peer, CSSNetwork):
                raise TypeError(f'peers[{k}] must build a CSSNetwork, got {type(peer).__name__}')
        # config keys in messages: the ones the config was written with
        self._peer_keys = [f'net{k + 1}' if legacy_keys else f'peers[{k}]' for k in range(len(cfgs))]
        self.check_num_classes()
        self.loss_kd = build_loss(loss_kd, DEFAULT_LOSS_KD)
        self.eval_peer = eval_peer
        self.ensemble = bool(ensemble)
        self.num_branches = num_branches
        self.target_diversity = target_diversity
        self.dynamic_weight = dynamic_weight
        self.detach_alpha = detach_alpha
        self.diversity_space = diversity_space
        self.register_load_state_dict_pre_hook(_rename_legacy_peer_keys)

    @property
    def student(self) -> CSSNetwork:
        """Peer ``eval_peer``: the network evaluated (peer 0 of an ensemble unless set) and exported."""
        return self.peers[self.eval_peer]

    @property
    def num_peers(self) -> int:
        return len(self.peers)

    @property
    def nets(self) -> nn.ModuleList:
        """Deprecated name of :attr:`peers` (read-only)."""
        warnings.warn('CSSDistiller.nets is deprecated; use CSSDistiller.peers', DeprecationWarning, 2)
        return self.peers

    def classifier_networks(self) -> List[Tuple[str, nn.Module]]:
        if 'peers' not in self._modules:
            return []
        return list(zip(self._peer_keys, self.peers))

    @staticmethod
    def upgrade_state_dict(state_dict: dict, prefix: str = '') -> dict:
        """Checkpoints written before the peers had their current name kept them under ``nets.``."""
        old = f'{prefix}nets.'
        return {(f'{prefix}peers.{k[len(old) :]}' if k.startswith(old) else k): v for k, v in state_dict.items()}

    # ----------------------------------------------------------------- training
    def loss(self, inputs: Tensor, data_samples: list) -> dict:
        labels = gt_labels(data_samples, inputs.device)
        outs = [peer.branch_logits(inputs) for peer in self.peers]
        ces = [peer.branch_ce(z, labels) for peer, z in zip(self.peers, outs)]
        losses = {f'net{k}.loss_ce': ce for k, ce in enumerate(ces, 1)}
        if self.num_peers == 2:
            alpha1, alpha2 = css_dynamic_weights(ces[0], ces[1], self.dynamic_weight, self.detach_alpha)
            weight, kd = split_weight(self.loss_kd)
            losses['net1.loss_kd'] = alpha1 * weight * branch_mean(kd, outs[0], outs[1])
            losses['net2.loss_kd'] = alpha2 * weight * branch_mean(kd, outs[1], outs[0])
            losses['alpha1'], losses['alpha2'] = alpha1.detach(), alpha2.detach()
        return losses

    # ----------------------------------------------------------------- inference
    def forward_peers(self, inputs: Tensor) -> Tuple[List[Tensor], List[Tensor]]:
        """Branch logits (B, m, D) and aggregated logits (B, K) of every peer."""
        outs = [peer.branch_logits(inputs) for peer in self.peers]
        return outs, [peer.aggregate(z) for peer, z in zip(self.peers, outs)]

    def select_logits(self, aggregated: Sequence[Tensor]) -> Tensor:
        """The logits ``predict`` scores by: peer ``eval_peer``'s, or the ensemble's mean."""
        if self.ensemble:
            return torch.stack(list(aggregated)).mean(0)
        return aggregated[self.eval_peer]

    def forward(self, inputs: Tensor, data_samples: Optional[list] = None, mode: str = 'tensor'):
        if mode == 'tensor':
            return self.select_logits(self.forward_peers(inputs)[1])
        return super().forward(inputs, data_samples, mode)

    def predict(self, inputs: Tensor, data_samples: Optional[list] = None) -> list:
        outs, aggregated = self.forward_peers(inputs)
        samples = scores_to_samples(self.select_logits(aggregated), data_samples)
        space = (
            (lambda z: z)
            if self.diversity_space == 'joint'
            else (lambda z: branch_class_logits(z, self.target_diversity))
        )
        probs = torch.stack([F.softmax(space(z), dim=-1) for z in outs], dim=1)  # (B, n, m, D)
        net_logits = torch.stack(aggregated, dim=1)  # (B, n, K)
        for sample, logits, prob in zip(samples, net_logits, probs):
            sample.set_field(logits, 'css_net_logits', dtype=Tensor)
            sample.set_field(prob, 'css_branch_probs', dtype=Tensor)
        return samples


def _rename_legacy_peer_keys(module: CSSDistiller, state_dict: dict, prefix: str, *args) -> None:
    renamed = module.upgrade_state_dict(state_dict, prefix)
    if renamed.keys() != state_dict.keys():
        state_dict.clear()
        state_dict.update(renamed)
