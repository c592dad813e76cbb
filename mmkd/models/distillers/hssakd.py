"""HSSAKD: Knowledge Distillation Using Hierarchical Self-Supervision Augmented Distribution.

Three models share the auxiliary-branch machinery:

* :class:`SSADNet` — one network with branches trained on joint (class x transform) labels. It is
  the teacher stage ("Teacher": frozen pretrained classifier, branches only; "Teacher*": jointly)
  and the single-network variant of the paper's Table II (``aux_task`` switches the branch task).
* :class:`HSSAKDDistiller` — the offline student: CE on upright rows, KL to the teacher's branches
  one-to-one, KL to the teacher's logits on every transformed copy.
* :class:`OnlineHSSAKD` — K peers from scratch, each with joint-label CE on its branches, mutual KL
  on branches and logits with the copied peer detached.

The network being trained is always ``student`` (or ``peers``), so export needs no special case.
"""

from typing import List, Optional, Sequence, Tuple, Union

import torch

from mmkd.registry import MODELS
from mmkd.utils.choices import check_choice

from ..branches import AuxiliaryBranches, num_stages, set_out_indices
from ..losses import HEAD_LOSS, build_head_loss, build_loss, fill_alias, split_weight
from ..utils import PRETEXT_TASKS, apply_pretext, transform_ids
from .base import BaseClassifierModel, BaseDistiller, gt_labels, load_frozen_checkpoint
from .dml import OnlineDistiller

KL_P_SCOPES = ('all', 'upright', 'off')
LOSS_AUX = dict(type='SoftmaxCrossEntropy', loss_weight=1.0)
LOSS_KL = dict(type='KLDivergence', tau=3.0, loss_weight=1.0)


class BranchMixin:
    """Pretext stacking and branch construction shared by the HSSAKD models."""

    def _init_pretext(self, pretext: str) -> None:
        check_choice('pretext', pretext, PRETEXT_TASKS)
        self.pretext = pretext
        self.num_transforms = PRETEXT_TASKS[pretext][1]

    def _build_branches(self, classifier, num_outputs: int, taps: Optional[Sequence[int]]) -> AuxiliaryBranches:
        set_out_indices(classifier.backbone, range(num_stages(classifier.backbone)))
        return AuxiliaryBranches(classifier.backbone, num_outputs, taps=taps)

    def stack(self, inputs: torch.Tensor, labels: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """The pretext batch: M transformed copies per image, sample-major, and joint labels."""
        x, joint, _ = apply_pretext(inputs, labels, self.pretext)
        return x, joint


@MODELS.register_module()
class SSADNet(BranchMixin, BaseClassifierModel):
    """A classifier with auxiliary branches trained on an auxiliary task.

    Args:
        student (dict): the classifier config.
        branches (dict): ``taps`` (stage indices; default all). Defaults to all stages.
        aux_task (str): the branches' task — ``'ssad'`` (N*M joint labels, the method),
            ``'supervised'`` (N classes, upright rows), ``'selfsup'`` (M transforms),
            ``'multitask'`` (N + M heads), or ``'none'`` (no branches: the plain baseline).
        pretext (str): ``'rotation'`` (M=4), ``'color_perm'`` (M=6) or ``'jigsaw'`` (M=4).
        freeze_classifier (bool): the "Teacher" stage: load ``classifier_ckpt``, freeze the backbone
            and head (eval mode, BN statistics frozen) and train the branches on detached taps.
        classifier_ckpt (str, optional): pretrained classifier for ``freeze_classifier``.
        eval_branches (bool): in ``predict``, also score the branches on the joint task (read by
            the ``BranchAccuracy`` metric). Defaults to True.
        loss_ce (dict, optional): the classifier's own loss; ``None`` (default) is its head's loss
            module, ``dict(loss_weight=w)`` weights it, a dict with a ``type`` replaces it.
        loss_aux (dict, optional): every branch's label loss (``loss_aux{i}``, and both heads of
            ``'multitask'``). Defaults to ``dict(type='SoftmaxCrossEntropy', loss_weight=1.0)``.
        **kwargs: see :class:`BaseClassifierModel`.
    """

    AUX_TASKS = ('ssad', 'supervised', 'selfsup', 'multitask', 'none')

    def __init__(
        self,
        student: dict,
        branches: Optional[dict] = None,
        aux_task: str = 'ssad',
        pretext: str = 'rotation',
        freeze_classifier: bool = False,
        classifier_ckpt: Optional[str] = None,
        eval_branches: bool = True,
        loss_ce: Optional[dict] = None,
        loss_aux: Optional[dict] = None,
        **kwargs,
    ):
        super().__init__(student=student, **kwargs)
        check_choice('aux_task', aux_task, self.AUX_TASKS)
        self.loss_ce = build_head_loss(loss_ce, self.student.head)
        self.loss_aux = build_loss(loss_aux, LOSS_AUX)
        self._init_pretext(pretext)
        self.aux_task = aux_task
        self.num_classes = self.student.head.num_classes
        self.freeze_classifier = freeze_classifier
        self.eval_branches = eval_branches and aux_task == 'ssad'
        n, m = self.num_classes, self.num_transforms
        outputs = dict(ssad=n * m, supervised=n, selfsup=m, multitask=n + m, none=0)[aux_task]
        self.branches = self._build_branches(self.student, outputs, (branches or {}).get('taps')) if outputs else None
        if freeze_classifier:
            if self.branches is None:
                raise ValueError('freeze_classifier=True needs branches to train (aux_task != "none")')
            load_frozen_checkpoint(self.student, classifier_ckpt, 'classifier')
            self.student.requires_grad_(False)

    @property
    def stacks_pretext(self) -> bool:
        """Whether the batch carries M transformed copies (only the tasks that use them)."""
        return self.aux_task in ('ssad', 'selfsup', 'multitask')

    def train(self, mode: bool = True):
        super().train(mode)
        if self.freeze_classifier:
            self.student.eval()
        return self

    def forward_all(self, inputs: torch.Tensor) -> Tuple[torch.Tensor, List[torch.Tensor]]:
        """Class logits and branch logits of ``inputs`` (already stacked)."""
        feats, logits = self.classify(self.student, inputs)
        branch_logits = self.branches(feats, detach=self.freeze_classifier)[1] if self.branches else []
        return logits, branch_logits

    def loss(self, inputs: torch.Tensor, data_samples: list) -> dict:
        labels = gt_labels(data_samples, inputs.device)
        m = self.num_transforms if self.stacks_pretext else 1
        x, joint = self.stack(inputs, labels) if m > 1 else (inputs, labels)
        logits, branch_logits = self.forward_all(x)
        losses = {}
        if not self.freeze_classifier:
            losses['loss_ce'] = self.loss_ce(logits[0::m], labels)
        n, aux = self.num_classes, self.loss_aux
        for i, z in enumerate(branch_logits):
            if self.aux_task == 'ssad':
                losses[f'loss_aux{i}'] = aux(z, joint)
            elif self.aux_task == 'supervised':
                losses[f'loss_aux{i}'] = aux(z[0::m], labels)
            elif self.aux_task == 'selfsup':
                losses[f'loss_aux{i}'] = aux(z, transform_ids(len(labels), m, z.device))
            else:  # multitask: an N-way head on upright rows and an M-way head on all rows
                losses[f'loss_aux{i}_cls'] = aux(z[0::m, :n], labels)
                losses[f'loss_aux{i}_ss'] = aux(z[:, n:], transform_ids(len(labels), m, z.device))
        return losses

    def predict(self, inputs: torch.Tensor, data_samples: Optional[list] = None) -> list:
        preds = self.student.predict(inputs, data_samples)
        if self.eval_branches and data_samples is not None and 'gt_label' in preds[0]:
            labels = gt_labels(preds, inputs.device)
            x, joint = self.stack(inputs, labels)
            _, branch_logits = self.forward_all(x)
            m = self.num_transforms
            correct = torch.stack([(z.argmax(1) == joint).float().view(-1, m).mean(1) for z in branch_logits], 1)
            for pred, row in zip(preds, correct):
                pred.set_field(row, 'branch_joint_acc', dtype=torch.Tensor)
        return preds


@MODELS.register_module()
class HSSAKDDistiller(BranchMixin, BaseDistiller):
    """Offline HSSAKD: a student with branches learns from an :class:`SSADNet` teacher.

    ``loss_ce`` (upright rows) + ``loss_kl_q{l}`` (one per branch, tau^2 KL over all M*n rows)
    + ``loss_kl_p`` (tau^2 KL of the final logits over all M*n rows). The student's branches get no
    label loss of their own; their taps are not detached.

    Args:
        student (dict): student classifier config.
        teacher (dict | str): an ``SSADNet`` config (aux_task 'ssad') or config file.
        teacher_ckpt (str): checkpoint of the teacher stage.
        branches (dict, optional): ``taps`` of the student's branches (one per teacher branch).
        kl_p_scope (str): ``'all'`` (every transformed copy, default), ``'upright'`` (vanilla KD,
            the ablation) or ``'off'``.
        use_kl_q (bool): distil the branches. Defaults to True.
        loss_ce (dict, optional): the student's own loss; ``None`` (default) is its head's loss
            module, ``dict(loss_weight=w)`` weights it, a dict with a ``type`` replaces it.
        loss_kl_q, loss_kl_p (dict, optional): the branch and the final-logit KD terms. Default
            ``dict(type='KLDivergence', tau=3.0, loss_weight=1.0)`` each.
        tau, ce_weight, kl_q_weight, kl_p_weight (float, optional): deprecated: ``tau`` of both KL
            terms, ``loss_ce.loss_weight``, ``loss_kl_q.loss_weight``, ``loss_kl_p.loss_weight``.
        **kwargs: see :class:`BaseDistiller`.
    """

    def __init__(
        self,
        student: dict,
        teacher: Union[dict, str],
        teacher_ckpt: Optional[str] = None,
        branches: Optional[dict] = None,
        kl_p_scope: str = 'all',
        use_kl_q: bool = True,
        loss_ce: Optional[dict] = None,
        loss_kl_q: Optional[dict] = None,
        loss_kl_p: Optional[dict] = None,
        tau: Optional[float] = None,
        ce_weight: Optional[float] = None,
        kl_q_weight: Optional[float] = None,
        kl_p_weight: Optional[float] = None,
        **kwargs,
    ):
        super().__init__(student=student, teacher=teacher, teacher_ckpt=teacher_ckpt, **kwargs)
        if not isinstance(self.teacher, SSADNet) or self.teacher.aux_task != 'ssad':
            raise TypeError(
                'HSSAKDDistiller needs an SSADNet teacher trained with aux_task="ssad" '
                f'(the teacher stage), got {type(self.teacher).__name__}'
            )
        check_choice('kl_p_scope', kl_p_scope, KL_P_SCOPES)
        self._init_pretext(self.teacher.pretext)
        n = self.student.head.num_classes
        self.branches = self._build_branches(self.student, n * self.num_transforms, (branches or {}).get('taps'))
        if len(self.branches.taps) != len(self.teacher.branches.taps):
            raise ValueError(
                f'the student has {len(self.branches.taps)} branches but the teacher has '
                f'{len(self.teacher.branches.taps)}; branches are distilled one-to-one: set the student\'s '
                f'model.branches.taps to {len(self.teacher.branches.taps)} of its stage indices '
                f'{list(range(num_stages(self.student.backbone)))} (e.g. the last '
                f'{len(self.teacher.branches.taps)}), or the teacher\'s'
            )
        self.kl_p_scope, self.use_kl_q = kl_p_scope, use_kl_q
        terms = dict(loss_ce=loss_ce, loss_kl_q=loss_kl_q, loss_kl_p=loss_kl_p)
        defaults = dict(loss_ce=HEAD_LOSS, loss_kl_q=LOSS_KL, loss_kl_p=LOSS_KL)
        for term in ('loss_kl_q', 'loss_kl_p'):
            fill_alias(terms, defaults, 'HSSAKDDistiller', 'tau', tau, term, 'tau')
        fill_alias(terms, defaults, 'HSSAKDDistiller', 'ce_weight', ce_weight, 'loss_ce')
        fill_alias(terms, defaults, 'HSSAKDDistiller', 'kl_q_weight', kl_q_weight, 'loss_kl_q')
        fill_alias(terms, defaults, 'HSSAKDDistiller', 'kl_p_weight', kl_p_weight, 'loss_kl_p')
        self.loss_ce = build_head_loss(terms['loss_ce'], self.student.head)
        self.loss_kl_q = build_loss(terms['loss_kl_q'], LOSS_KL)
        self.loss_kl_p = build_loss(terms['loss_kl_p'], LOSS_KL)

    @property
    def tau(self) -> float:
        """The temperature of the KL terms (``loss_kl_p``'s)."""
        return self.loss_kl_p.tau

    def loss(self, inputs: torch.Tensor, data_samples: list) -> dict:
        labels = gt_labels(data_samples, inputs.device)
        x, _ = self.stack(inputs, labels)
        m = self.num_transforms
        feats, logits = self.classify(self.student, x)
        with torch.no_grad():
            t_logits, t_branch = self.teacher.forward_all(x)
        losses = dict(loss_ce=self.loss_ce(logits[0::m], labels))
        if self.use_kl_q:
            s_branch = self.branches(feats)[1]
            for i, (s, t) in enumerate(zip(s_branch, t_branch)):
                losses[f'loss_kl_q{i}'] = self.loss_kl_q(s, t)
        if self.kl_p_scope != 'off':
            step = m if self.kl_p_scope == 'upright' else 1
            losses['loss_kl_p'] = self.loss_kl_p(logits[::step], t_logits[::step])
        return losses


@MODELS.register_module()
class OnlineHSSAKD(BranchMixin, OnlineDistiller):
    """Online HSSAKD: K >= 2 peers with branches, trained from scratch together.

    Peer k: ``loss_ce`` (upright) + ``loss_aux{l}`` (joint-label CE on every branch) + for every
    other peer m, ``tau^2 KL(sg q_m || q_k)`` on each branch (``loss_kl_q``) and on the final logits
    over all M*n rows (``loss_kl_p``). Every ordered pair appears once.

    Args:
        peers (list[dict]): peer classifier configs (heterogeneous allowed).
        branches (dict, optional): ``taps`` for every peer's branches.
        pretext (str): see :class:`SSADNet`.
        use_aux (bool), use_kl_q (bool), kl_p_scope (str): the ablation switches of Table X;
            ``kl_p_scope='upright'`` is DML on the logits.
        loss_ce (dict, optional): each peer's own loss; ``None`` (default) is the peer head's loss
            module, a dict with a ``type`` replaces it.
        loss_aux (dict, optional): the joint-label CE of every branch (summed over branches).
            Defaults to ``dict(type='SoftmaxCrossEntropy', loss_weight=1.0)``.
        loss_kl_q, loss_kl_p (dict, optional): the mutual branch and final-logit terms (summed over
            the other peers and branches). Default ``dict(type='KLDivergence', tau=3.0,
            loss_weight=1.0)`` each; a weight multiplies the sum.
        tau (float, optional): deprecated: ``tau`` of both KL terms.
        **kwargs: see :class:`OnlineDistiller`.
    """

    def __init__(
        self,
        peers: List[dict],
        branches: Optional[dict] = None,
        pretext: str = 'rotation',
        use_aux: bool = True,
        use_kl_q: bool = True,
        kl_p_scope: str = 'all',
        loss_ce: Optional[dict] = None,
        loss_aux: Optional[dict] = None,
        loss_kl_q: Optional[dict] = None,
        loss_kl_p: Optional[dict] = None,
        tau: Optional[float] = None,
        **kwargs,
    ):
        super().__init__(peers=peers, **kwargs)
        check_choice('kl_p_scope', kl_p_scope, KL_P_SCOPES)
        self._init_pretext(pretext)
        n = self.peers[0].head.num_classes
        taps = (branches or {}).get('taps')
        self.branches = torch.nn.ModuleList(self._build_branches(p, n * self.num_transforms, taps) for p in self.peers)
        counts = {len(b.taps) for b in self.branches}
        if len(counts) > 1:
            raise ValueError(f'peers have different numbers of branches {sorted(counts)}; set branches.taps')
        self.use_aux, self.use_kl_q, self.kl_p_scope = use_aux, use_kl_q, kl_p_scope
        terms, defaults = dict(loss_kl_q=loss_kl_q, loss_kl_p=loss_kl_p), dict(loss_kl_q=LOSS_KL, loss_kl_p=LOSS_KL)
        for term in ('loss_kl_q', 'loss_kl_p'):
            fill_alias(terms, defaults, 'OnlineHSSAKD', 'tau', tau, term, 'tau')
        self.loss_ce = torch.nn.ModuleList(build_head_loss(loss_ce, peer.head) for peer in self.peers)
        self.loss_aux = build_loss(loss_aux, LOSS_AUX)
        self.loss_kl_q = build_loss(terms['loss_kl_q'], LOSS_KL)
        self.loss_kl_p = build_loss(terms['loss_kl_p'], LOSS_KL)

    @property
    def tau(self) -> float:
        """The temperature of the KL terms (``loss_kl_p``'s)."""
        return self.loss_kl_p.tau

    def loss(self, inputs: torch.Tensor, data_samples: list) -> dict:
        labels = gt_labels(data_samples, inputs.device)
        x, joint = self.stack(inputs, labels)
        m = self.num_transforms
        outs = []
        for peer, branches in zip(self.peers, self.branches):
            feats, logits = self.classify(peer, x)
            outs.append((logits, branches(feats)[1]))
        losses = {}
        step = m if self.kl_p_scope == 'upright' else 1
        (w_aux, aux), (w_q, kl_q), (w_p, kl_p) = map(split_weight, (self.loss_aux, self.loss_kl_q, self.loss_kl_p))
        for k, (loss_ce, (logits, branch_logits)) in enumerate(zip(self.loss_ce, outs)):
            losses[f'peer{k}.loss_ce'] = loss_ce(logits[0::m], labels)
            if self.use_aux:
                losses[f'peer{k}.loss_aux'] = w_aux * sum(aux(z, joint) for z in branch_logits)
            others = [o for j, o in enumerate(outs) if j != k]
            if self.use_kl_q:
                losses[f'peer{k}.loss_kl_q'] = w_q * sum(
                    kl_q(s, t) for _, t_branch in others for s, t in zip(branch_logits, t_branch)
                )
            if self.kl_p_scope != 'off':
                losses[f'peer{k}.loss_kl_p'] = w_p * sum(kl_p(logits[::step], t[::step]) for t, _ in others)
        return losses
