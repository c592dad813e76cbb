import contextlib
import contextvars
import os.path as osp
import warnings
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.runner.checkpoint import _load_checkpoint

from mmkd.registry import MODELS
from mmkd.utils.state_dict import abbreviate, key_differences

from ..utils.fast_inference import fast_inference
from ..utils.labels import gt_labels  # noqa: F401 (re-exported: the distillers import it from here)


def build_classifier(cfg: Union[dict, nn.Module], what: str = 'student') -> nn.Module:
    """Build an mmpretrain classifier (``type`` defaults to ``ImageClassifier``)."""
    if isinstance(cfg, nn.Module):
        return cfg
    if isinstance(cfg, str):
        if not osp.isfile(cfg):
            raise FileNotFoundError(f'{what} config file {cfg} does not exist')
        from mmkd.apis.config import finalize_config  # the file's own facts (num_classes) reach its model

        cfg = finalize_config(Config.fromfile(cfg)).model
    cfg = dict(cfg)
    cfg.setdefault('type', 'ImageClassifier')
    return MODELS.build(cfg)


_MISSING_CHECKPOINTS_ALLOWED = contextvars.ContextVar('mmkd_missing_checkpoints_allowed', default=False)


@contextlib.contextmanager
def allow_missing_checkpoints():
    """Within it, a distiller whose teacher / classifier checkpoint is not set builds with random frozen
    weights and a warning instead of an error: for tools that need the architecture only (FLOPs, a config
    printout) or load a whole trained distiller's checkpoint afterwards (testing, confusion matrices)."""
    token = _MISSING_CHECKPOINTS_ALLOWED.set(True)
    try:
        yield
    finally:
        _MISSING_CHECKPOINTS_ALLOWED.reset(token)


def load_frozen_checkpoint(model: nn.Module, ckpt: str, what: str = 'teacher', prefix: Optional[str] = None) -> None:
    """Load ``ckpt`` into ``model`` strictly, with a message naming every key that does not fit.

    Args:
        model (nn.Module): the module to fill.
        ckpt (str): checkpoint path (an mmengine checkpoint or a plain state dict).
        what (str): how the error names the module ('teacher').
        prefix (str, optional): take only keys starting with it, stripped (e.g. ``'student.'`` to
            read the student of a distiller checkpoint). ``None`` picks ``'student.'`` when the
            checkpoint is a distiller's and the model's own keys are not there.
    """
    if ckpt is None and _MISSING_CHECKPOINTS_ALLOWED.get():
        warnings.warn(f'{what}_ckpt is not set: the {what} keeps random weights (allow_missing_checkpoints)')
        return
    if ckpt is None:
        raise ValueError(
            f'{what}_ckpt is not set: a {what} must be trained first (see docs/get_started.md) '
            f'and passed as model.{what}_ckpt=PATH'
        )
    if not osp.isfile(ckpt):
        raise FileNotFoundError(f'{what}_ckpt {ckpt} does not exist; train the {what} first or fix the path')
    state = _load_checkpoint(ckpt, map_location='cpu')
    state = state.get('state_dict', state)
    own = model.state_dict()
    if prefix is None and not (own.keys() & state.keys()) and any(k.startswith('student.') for k in state):
        prefix = 'student.'
    if prefix:
        state = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
    if hasattr(model, 'upgrade_state_dict'):  # keys of older checkpoints under their current names
        state = model.upgrade_state_dict(state)
    missing, unexpected, mismatched = key_differences(own, state)
    if missing or unexpected or mismatched:
        raise ValueError(
            f'{what}_ckpt {ckpt} does not fit the {what} model: '
            f'missing keys [{abbreviate(missing)}], unexpected keys [{abbreviate(unexpected)}], '
            f'shape mismatches [{abbreviate(mismatched)}]. Check that the {what} config matches '
            'the one the checkpoint was trained with (architecture, num_classes).'
        )
    model.load_state_dict(state, strict=True)
    if hasattr(model, 'is_init'):
        model.is_init = True  # Runner.train() calls init_weights(): keep the loaded weights


def num_classes_and_key(model: nn.Module, key: str) -> Tuple[Optional[int], str]:
    """The number of classes ``model`` predicts and the config key that sets it, whatever the nesting.

    Args:
        model (nn.Module): a classifier with a ``head`` (``ImageClassifier``), a ``CSSNetwork``
            (``num_classes``) or a distiller, whose first network is read (``student`` of
            ``SSADNet`` / offline distillers, ``classifier`` of ``SSKDTeacher``, ``peers[0]``).
        key (str): the config key of ``model``, e.g. ``'model.teacher'``.

    Returns:
        tuple: (``num_classes``, or None when the model has none; its config key).
    """
    num_classes = getattr(getattr(model, 'head', None), 'num_classes', None)
    if num_classes is not None:
        return num_classes, f'{key}.head.num_classes'
    if isinstance(model, BaseClassifierModel):
        networks = model.classifier_networks()
        if not networks:
            return None, key
        name, network = networks[0]
        return num_classes_and_key(network, f'{key}.{name}')
    return getattr(model, 'num_classes', None), f'{key}.num_classes'


def check_same_num_classes(
    a: Tuple[Optional[int], str], b: Tuple[Optional[int], str], what_a: str, what_b: str
) -> None:
    """Raise a ValueError naming both values and keys when two ``(num_classes, key)`` pairs differ.

    Args:
        a, b (tuple): ``(num_classes, config key)`` as :func:`num_classes_and_key` returns them;
            a None count is not checked.
        what_a, what_b (str): the two sides in words, e.g. ``'the teacher predicts'``.
    """
    (n_a, key_a), (n_b, key_b) = a, b
    if n_a is not None and n_b is not None and n_a != n_b:
        raise ValueError(
            f'{what_a} {n_a} classes but {what_b} {n_b} ({key_a}={n_a}, {key_b}={n_b}); '
            'they must agree on the same classes: set both to the number of classes of the dataset'
        )


def neck_features(classifier: nn.Module, feats):
    """The input of an mmpretrain classifier's head: its neck's output (the backbone's without a neck)."""
    return classifier.neck(feats) if getattr(classifier, 'neck', None) is not None else feats


def freeze(module: nn.Module) -> nn.Module:
    """No gradients, eval mode (BN statistics frozen)."""
    module.requires_grad_(False)
    return module.eval()


class BaseClassifierModel(BaseModel):
    """Base of every mmkd model: an mmpretrain classifier (``self.student``, the network that is
    evaluated and exported), frozen modules beside it, and whatever a method adds (branches, heads)
    as further siblings. Models that distil nothing (the teacher stages ``SSADNet`` and
    ``SSKDTeacher``) derive from it directly; :class:`BaseDistiller` adds a frozen teacher.

    ``mode='loss'`` returns named ``loss_*`` terms, ``mode='predict'`` the classifier's predictions
    (so mmpretrain's val/test loops and metrics evaluate it unchanged), ``mode='tensor'`` its logits.
    Frozen modules (:meth:`frozen_modules`) stay in eval mode and out of saved checkpoints.

    Args:
        student (dict, optional): config of the classifier (``type`` defaults to ``ImageClassifier``);
            None when a subclass builds its networks itself (online peers, CSS).
        data_preprocessor (dict, optional): defaults to the student's, or ``ClsDataPreprocessor``.
        init_cfg (dict, optional): initialisation config.
        fast_teacher (dict, optional): run the frozen modules in inference form, e.g.
            ``dict(fold_bn=True, channels_last=True, compile=False)`` (see
            :func:`mmkd.models.utils.fast_inference.fast_inference`). Outputs equal the eager
            modules' within float rounding; state dicts and checkpoints are unchanged. Defaults to
            None (eager).
        channels_last (bool): store every 4-d parameter (student, teacher, branches, heads)
            channels_last, so convolutions run NHWC; applied on ``train()``/``eval()``, once every
            module is built. Defaults to False.
    """

    def __init__(
        self,
        student: Optional[dict] = None,
        data_preprocessor: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
        fast_teacher: Optional[dict] = None,
        channels_last: bool = False,
    ):
        if data_preprocessor is None:
            data_preprocessor = student.get('data_preprocessor') if isinstance(student, dict) else None
        data_preprocessor = dict(data_preprocessor or dict(type='ClsDataPreprocessor'))
        data_preprocessor.setdefault('type', 'ClsDataPreprocessor')
        super().__init__(data_preprocessor=MODELS.build(data_preprocessor), init_cfg=init_cfg)
        if student is not None:
            self.student = build_classifier(student, 'student')
        self.teacher = None
        self.save_teacher = False
        self.channels_last = channels_last
        self.fast_teacher = dict(fast_teacher) if fast_teacher else None
        self.register_state_dict_post_hook(_drop_frozen_keys)
        self.register_load_state_dict_pre_hook(_fill_frozen_keys)
        if student is not None:
            self.check_num_classes()

    def speed_up_frozen_modules(self) -> None:
        """Put the frozen modules in inference form when ``fast_teacher`` asks for it (call once they are loaded)."""
        if self.fast_teacher:
            for module in self.frozen_modules().values():
                fast_inference(module, **self.fast_teacher)

    # ----------------------------------------------------------------- helpers
    def frozen_modules(self) -> Dict[str, nn.Module]:
        """Frozen submodules by attribute name: kept in eval mode, out of checkpoints by default."""
        return {'teacher': self.teacher} if self.teacher is not None else {}

    def classifier_networks(self) -> List[Tuple[str, nn.Module]]:
        """``(config key, module)`` of every network trained on (or evaluated against) the labels: the
        student or classifier, or the peers / networks of an online distiller, in config order (none
        before they are built)."""
        peers = self._modules.get('peers')
        if peers is not None:
            return [(f'peers[{k}]', p) for k, p in enumerate(peers)]
        for name in ('classifier', 'student'):
            if self._modules.get(name) is not None:
                return [(name, self._modules[name])]
        return []

    def check_num_classes(self) -> None:
        """The networks, the teacher and the data preprocessor's ``num_classes`` (when set) must
        agree; a ValueError names the values and the config keys that differ."""
        networks = [
            (name if name != 'student' else 'the student', num_classes_and_key(m, f'model.{name}'))
            for name, m in self.classifier_networks()
        ]
        if not networks:
            return
        first, first_classes = networks[0]
        for name, classes in networks[1:]:
            check_same_num_classes(classes, first_classes, f'{name} predicts', f'{first} predicts')
        if getattr(self, 'teacher', None) is not None:
            check_same_num_classes(
                num_classes_and_key(self.teacher, self._teacher_key),
                first_classes,
                'the teacher predicts',
                f'{first} predicts',
            )
        check_same_num_classes(
            (getattr(self.data_preprocessor, 'num_classes', None), 'data_preprocessor.num_classes'),
            first_classes,
            'the data preprocessor (model.data_preprocessor, or the top-level '
            'data_preprocessor it defaults to) one-hot encodes labels for batch augments into',
            f'{first} predicts',
        )

    def train(self, mode: bool = True):
        super().train(mode)
        if self.channels_last:  # a no-op once converted
            self.to(memory_format=torch.channels_last)
        for module in self.frozen_modules().values():
            module.eval()
        return self

    @staticmethod
    def classify(classifier: nn.Module, inputs: torch.Tensor):
        """Run an mmpretrain classifier; return (backbone stage outputs, logits)."""
        feats = classifier.backbone(inputs)
        return feats, classifier.head(neck_features(classifier, feats))

    # ----------------------------------------------------------------- forward
    def forward(self, inputs: torch.Tensor, data_samples: Optional[list] = None, mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.student(inputs, mode='tensor')
        raise RuntimeError(f'Invalid mode "{mode}" for {type(self).__name__}')

    def extract_feat(self, inputs: torch.Tensor, stage: str = 'neck'):
        """Features of the evaluated network (the one export takes), as mmpretrain's classifiers give them;
        mmpretrain's get_flops.py and FeatureExtractor measure this. A network without ``extract_feat``
        (a CSS network) gives its logits."""
        net = self.student
        if hasattr(net, 'extract_feat'):
            return net.extract_feat(inputs, stage=stage)
        return net(inputs, mode='tensor')

    def loss(self, inputs: torch.Tensor, data_samples: list) -> dict:
        raise NotImplementedError

    def predict(self, inputs: torch.Tensor, data_samples: Optional[list] = None) -> list:
        return self.student.predict(inputs, data_samples)


class BaseDistiller(BaseClassifierModel):
    """Base of the distillers with a frozen teacher beside the student (KD, HSSAKD, SSKD).

    Args:
        student (dict): config of the student classifier (``type`` defaults to ``ImageClassifier``).
        teacher (dict | str): config of the teacher model, or a config file whose ``model`` is
            the teacher.
        teacher_ckpt (str, optional): checkpoint of the teacher; required to train.
        teacher_ckpt_prefix (str, optional): see :func:`load_frozen_checkpoint`.
        save_teacher (bool): keep the teacher's weights in saved checkpoints. Defaults to False.
        **kwargs: see :class:`BaseClassifierModel` (``data_preprocessor``, ``init_cfg``,
            ``fast_teacher``, ``channels_last``).
    """

    def __init__(
        self,
        student: dict,
        teacher: Union[dict, str],
        teacher_ckpt: Optional[str] = None,
        teacher_ckpt_prefix: Optional[str] = None,
        save_teacher: bool = False,
        **kwargs,
    ):
        if teacher is None:
            raise ValueError(f'{type(self).__name__} needs a teacher: set model.teacher')
        if kwargs.get('data_preprocessor') is None and isinstance(student, dict):
            kwargs['data_preprocessor'] = student.get('data_preprocessor')
        super().__init__(student=None, **kwargs)
        self.student = build_classifier(student, 'student')
        self._teacher_key = f'{teacher}: model' if isinstance(teacher, str) else 'model.teacher'
        self.teacher = freeze(build_classifier(teacher, 'teacher'))
        self.check_num_classes()  # before the teacher's checkpoint: a mismatch is the clearer error
        load_frozen_checkpoint(self.teacher, teacher_ckpt, 'teacher', teacher_ckpt_prefix)
        self.save_teacher = save_teacher
        self.speed_up_frozen_modules()

    @torch.no_grad()
    def teacher_logits(self, inputs: torch.Tensor) -> torch.Tensor:
        """Class logits of the frozen teacher (used by losses and by the teacher check hook)."""
        return self.teacher(inputs, mode='tensor')


def _drop_frozen_keys(module: BaseClassifierModel, state_dict: dict, prefix: str, local_metadata) -> None:
    if module.save_teacher:
        return
    for name in module.frozen_modules():
        for key in [k for k in state_dict if k.startswith(f'{prefix}{name}.')]:
            del state_dict[key]


def _fill_frozen_keys(module: BaseClassifierModel, state_dict: dict, prefix: str, *args) -> None:
    # Checkpoints saved without the frozen modules load strictly: keep the weights already loaded.
    for name, frozen in module.frozen_modules().items():
        for key, value in frozen.state_dict().items():
            state_dict.setdefault(f'{prefix}{name}.{key}', value)
