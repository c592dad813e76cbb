from typing import List, Optional

import torch
import torch.nn as nn

from mmkd.registry import MODELS

from ..losses import HEAD_LOSS, build_head_loss, build_loss, fill_alias, split_weight
from .base import BaseClassifierModel, build_classifier, gt_labels


class OnlineDistiller(BaseClassifierModel):
    """Base of online methods: K >= 2 peer classifiers trained together, no teacher.

    The peers live in ``self.peers``; ``self.student`` is the peer that is evaluated and exported
    by default (``eval_peer``), and ``tools/export_student.py --peer K`` exports any other.

    Args:
        peers (list[dict]): one classifier config per peer (heterogeneous peers allowed).
        eval_peer (int): the peer used by ``predict`` / ``tensor``. Defaults to 0.
        **kwargs: ``data_preprocessor`` and ``init_cfg`` (see :class:`BaseClassifierModel`).
    """

    def __init__(self, peers: List[dict], eval_peer: int = 0, **kwargs):
        if not isinstance(peers, (list, tuple)) or len(peers) < 2:
            raise ValueError(f'{type(self).__name__} needs a list of at least 2 peer configs, got {peers!r}')
        if not 0 <= eval_peer < len(peers):
            raise ValueError(f'eval_peer={eval_peer} is out of range for {len(peers)} peers')
        first = peers[0] if isinstance(peers[0], dict) else {}
        kwargs.setdefault('data_preprocessor', first.get('data_preprocessor'))
        super().__init__(student=None, **kwargs)
        self.peers = nn.ModuleList(build_classifier(cfg, f'peer {k}') for k, cfg in enumerate(peers))
        self.eval_peer = eval_peer
        self.check_num_classes()

    @property
    def student(self) -> nn.Module:
        return self.peers[self.eval_peer]

    @property
    def num_peers(self) -> int:
        return len(self.peers)


LOSS_KL = dict(type='KLDivergence', tau=1.0, loss_weight=1.0)


@MODELS.register_module()
class DMLDistiller(OnlineDistiller):
    """Deep Mutual Learning (Zhang et al., CVPR 2018).

    Peer k minimises ``loss_ce(z_k, y) + w * mean_{m != k} KL(z_k, sg z_m)`` with the ``loss_kl`` term
    (by default ``tau^2 KL(sg softmax(z_m/tau) || softmax(z_k/tau))``, tau 1); the copied peer is
    detached, so each KL term trains only the learning peer.

    Args:
        peers (list[dict]): peer classifier configs.
        loss_ce (dict, optional): each peer's own loss; ``None`` (default) is the peer head's loss
            module, ``dict(loss_weight=w)`` weights it, a dict with a ``type`` replaces it.
        loss_kl (dict, optional): the mutual term. Defaults to ``dict(type='KLDivergence', tau=1.0,
            loss_weight=1.0)``; its weight multiplies the mean over the other peers.
        tau, ce_weight, kl_weight (float, optional): deprecated: ``loss_kl.tau``,
            ``loss_ce.loss_weight``, ``loss_kl.loss_weight``.
        **kwargs: see :class:`OnlineDistiller`.
    """

    def __init__(
        self,
        peers: List[dict],
        loss_ce: Optional[dict] = None,
        loss_kl: Optional[dict] = None,
        tau: Optional[float] = None,
        ce_weight: Optional[float] = None,
        kl_weight: Optional[float] = None,
        **kwargs,
    ):
        super().__init__(peers=peers, **kwargs)
        terms, defaults = dict(loss_ce=loss_ce, loss_kl=loss_kl), dict(loss_ce=HEAD_LOSS, loss_kl=LOSS_KL)
        fill_alias(terms, defaults, 'DMLDistiller', 'tau', tau, 'loss_kl', 'tau')
        fill_alias(terms, defaults, 'DMLDistiller', 'ce_weight', ce_weight, 'loss_ce')
        fill_alias(terms, defaults, 'DMLDistiller', 'kl_weight', kl_weight, 'loss_kl')
        self.loss_ce = nn.ModuleList(build_head_loss(terms['loss_ce'], peer.head) for peer in self.peers)
        self.loss_kl = build_loss(terms['loss_kl'], LOSS_KL)

    @property
    def tau(self) -> float:
        return self.loss_kl.tau

    def loss(self, inputs: torch.Tensor, data_samples: list) -> dict:
        labels = gt_labels(data_samples, inputs.device)
        logits = [self.classify(peer, inputs)[1] for peer in self.peers]
        w_kl, kl = split_weight(self.loss_kl)
        losses = {}
        for k, (loss_ce, z_k) in enumerate(zip(self.loss_ce, logits)):
            losses[f'peer{k}.loss_ce'] = loss_ce(z_k, labels)
            mutual = [kl(z_k, z_m) for m, z_m in enumerate(logits) if m != k]
            losses[f'peer{k}.loss_kl'] = w_kl * torch.stack(mutual).mean()
        return losses
