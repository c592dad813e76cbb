"""Export of CSS checkpoints (``CSSDistiller`` or a lone ``CSSNetwork``), called by :func:`export_student`.

A CSS network keeps its m branches at inference, so there are two export kinds (``css_export``):

* ``'full'``: the whole network of one peer (trunk, every branch with its mask, joint classifiers)
  and its config (``meta['network_cfg']``, also ``meta['model_cfg']``); :func:`load_css_network`
  and ``mmkd.apis.get_student`` rebuild a model that predicts exactly like the trained peer.
  With ``ensemble=True`` both peers are written as one ``CSSDistiller`` with ``ensemble=True``, which
  predicts exactly like the distiller scoring by the ensemble.
* ``'transfer'``: the trunk + the first branch's copy of the last stage as ``backbone.*`` under the
  plain backbone's own key names, for mmpretrain / mmdet / mmseg.

Nothing stored in the checkpoint is executed: the model config comes from ``meta['mmkd_model_cfg']``
or from ``meta['cfg']`` read as data (literals only), or from a training config file.
"""

import copy
import inspect
import os.path as osp
import warnings
from typing import Optional, Tuple

from mmengine.config import Config, ConfigDict

from mmkd.utils.config_data import plain_data

CSS_TYPES = ('CSSDistiller', 'CSSNetwork')
CSS_EXPORTS = ('full', 'transfer')


def is_css_model(model_cfg: Optional[dict], state_dict: dict) -> bool:
    """Whether a checkpoint is a CSS model: by its model config, else by its keys (``nets.K.*`` of
    older CSS checkpoints, or peers made of masked branches)."""
    if isinstance(model_cfg, dict) and model_cfg.get('type') is not None:
        return model_cfg.get('type') in CSS_TYPES
    return any(k.startswith('nets.') or (k.startswith('peers.') and '.branches.0.body.' in k) for k in state_dict)


def css_distiller_cfg(model_cfg: dict) -> dict:
    """A ``CSSDistiller`` config as plain data, deprecated keys renamed and every default written in."""
    from mmkd.models.distillers.css import CSSDistiller, upgrade_css_cfg

    params = inspect.signature(CSSDistiller.__init__).parameters
    cfg = {name: p.default for name, p in params.items() if p.default is not inspect.Parameter.empty}
    cfg.update(upgrade_css_cfg(model_cfg, warn=False))
    return cfg


def _as_dict(cfg) -> dict:
    if isinstance(cfg, Config):
        from mmkd.apis.runner import model_config

        cfg = model_config(cfg)
    return copy.deepcopy(cfg.to_dict() if isinstance(cfg, ConfigDict) else dict(cfg))


def css_export_network_cfg(cfg, peer: int = 0) -> dict:
    """The standalone ``CSSNetwork`` config of peer ``peer`` (0-based), its data preprocessor included.

    Args:
        cfg (Config | dict): a training config, or its model config as plain data with the
            top-level ``data_preprocessor`` merged in (as :func:`mmkd.apis.runner.model_config`).
        peer (int): 0 or 1. Defaults to 0.
    """
    from mmkd.models.distillers.css import SHARED_NETWORK_KEYS, css_network_cfgs

    model = _as_dict(cfg)
    if model.get('type') == 'CSSNetwork':
        if peer != 0:
            raise ValueError(f'--peer {peer}: the checkpoint holds a single CSSNetwork (peer 0)')
        network = model
    elif model.get('type') == 'CSSDistiller':
        args = css_distiller_cfg(model)
        networks = css_network_cfgs(args['peers'], **{k: args[k] for k in SHARED_NETWORK_KEYS})
        if not 0 <= peer < len(networks):
            raise ValueError(f'--peer {peer} does not exist; the model has {len(networks)} peer(s)')
        network = networks[peer]
    else:
        raise ValueError(f'model.type={model.get("type")!r} is not a CSS model (CSSDistiller or CSSNetwork)')
    preprocessor = model.get('data_preprocessor')
    if preprocessor is not None and 'data_preprocessor' not in network:
        network['data_preprocessor'] = preprocessor
    return plain_data(network)


def css_ensemble_cfg(cfg) -> dict:
    """The ``CSSDistiller`` config (``ensemble=True``, both peers written out) of an ensemble export."""
    from mmkd.models.distillers.css import SHARED_NETWORK_KEYS, css_network_cfgs

    model = _as_dict(cfg)
    if model.get('type') != 'CSSDistiller':
        raise ValueError(f'--ensemble: model.type={model.get("type")!r} has no ensemble (a CSSDistiller has)')
    args = css_distiller_cfg(model)
    args['peers'] = css_network_cfgs(args['peers'], **{k: args[k] for k in SHARED_NETWORK_KEYS})
    if len(args['peers']) < 2:
        raise ValueError('--ensemble: the model has a single network, so no ensemble')
    args.update(type='CSSDistiller', ensemble=True)
    if model.get('data_preprocessor') is not None:
        args['data_preprocessor'] = model['data_preprocessor']
    for key in ('init_cfg',):
        args.pop(key, None)
    return plain_data(args)


def default_css_peer(model_cfg: dict) -> Tuple[int, str]:
    """``(peer, how it was chosen)``: the peer the method evaluates (``eval_peer``), 0-based.

    A distiller that scores by the ensemble is reproduced by no single peer: peer ``eval_peer``
    is exported then, with a warning pointing to ``--ensemble``.
    """
    if model_cfg.get('type') != 'CSSDistiller':
        return 0, 'the only network'
    args = css_distiller_cfg(model_cfg)
    peer = args['eval_peer']
    if args['ensemble']:
        warnings.warn(
            'the model scores by the ensemble of both peers; one peer cannot reproduce it: exporting '
            f'peer {peer} (fallback). Pass --ensemble for both peers as one model, or --peer K.'
        )
        return peer, f'fallback peer {peer}: ensemble=True'
    return peer, f'the peer the method evaluates: eval_peer={peer}'


def export_css(
    ckpt: str,
    out: str,
    state: dict,
    peer: Optional[int] = None,
    css_export: str = 'full',
    ensemble: bool = False,
    model_cfg: Optional[dict] = None,
    model_cfg_source: str = '',
    force: bool = False,
    test_pipeline: Optional[list] = None,
) -> dict:
    """Export peer ``peer`` (or the ensemble) of the loaded CSS checkpoint ``state``; return the meta.

    Args:
        ckpt (str): the checkpoint's path (for messages and ``meta['source']``).
        out (str): output file, written atomically; it loads with ``torch.load(weights_only=True)``.
        state (dict): the loaded checkpoint.
        peer (int, optional): 0 or 1. Defaults to the peer the method evaluates (``eval_peer``).
        css_export (str): ``'full'`` or ``'transfer'`` (see the module docstring). Defaults to 'full'.
        ensemble (bool): write both peers as one ensemble model (``css_export='full'`` only).
        model_cfg (dict, optional): the training model config, as :func:`export_student` resolved it
            (a ``--config`` file, else the one the checkpoint carries as data); None: there is none.
        model_cfg_source (str): where ``model_cfg`` came from, for the meta.
        force (bool): replace an existing ``out``. Defaults to False.
        test_pipeline (list, optional): the test pipeline to store; defaults to the stored config's.
    """
    from mmkd import __version__
    from mmkd.apis.export import stored_test_pipeline, write_checkpoint
    from mmkd.models.distillers.css import CSSDistiller
    from mmkd.registry import MODELS

    if css_export not in CSS_EXPORTS:
        raise ValueError(f'--css-export {css_export!r} is not one of {list(CSS_EXPORTS)}')
    if ensemble and peer is not None:
        raise ValueError('--ensemble writes both peers; it does not take --peer')
    if ensemble and css_export != 'full':
        raise ValueError('--ensemble writes the whole networks: it cannot be combined with --css-export transfer')
    state_dict = CSSDistiller.upgrade_state_dict(state.get('state_dict', state))
    src_meta = state.get('meta') if isinstance(state.get('meta'), dict) else {}
    if model_cfg is None:
        raise ValueError(
            f"{ckpt} carries no model config readable as data (meta['mmkd_model_cfg'], or a "
            "meta['cfg'] made of literals); pass the training config with --config"
        )
    lone = model_cfg.get('type') == 'CSSNetwork'
    if ensemble:
        network_cfg, prefix, how = css_ensemble_cfg(model_cfg), '', '--ensemble'
    else:
        how = '--peer'
        if peer is None:
            peer, how = default_css_peer(model_cfg)
        network_cfg = css_export_network_cfg(model_cfg, peer)
        prefix = '' if lone else f'peers.{peer}.'
    weights = {k[len(prefix) :]: v for k, v in state_dict.items() if k.startswith(prefix)}
    network = MODELS.build(copy.deepcopy(network_cfg))
    own = network.state_dict()
    missing, unexpected = own.keys() - weights.keys(), weights.keys() - own.keys()
    if missing or unexpected:
        what = 'both peers' if ensemble else f'peer {peer}'
        raise ValueError(
            f'{ckpt} does not fit {what} of its config: missing {sorted(missing)[:5]}, '
            f'unexpected {sorted(unexpected)[:5]}'
        )
    network.load_state_dict(weights, strict=True)
    meta = dict(
        mmkd_version=__version__,
        source=osp.abspath(ckpt) if '://' not in ckpt else ckpt,
        mode=css_export,
        model_cfg_source=model_cfg_source,
        prefix=prefix,
    )
    if ensemble:
        meta.update(ensemble=True, num_branches=network.num_branches)
    else:
        meta.update(peer=peer, peer_choice=how, num_branches=network.num_branches)
    if css_export == 'full':
        tensors = {k: v.detach().cpu().clone().contiguous() for k, v in network.state_dict().items()}
        meta['model_cfg'] = network_cfg
        if not ensemble:
            meta['network_cfg'] = network_cfg
        backbone = network_cfg['peers'][0]['backbone'] if ensemble else network_cfg['backbone']
    else:
        tensors = network.transfer_state_dict(branch=0)
        plain = MODELS.build(network_cfg['backbone']).state_dict()
        expected = {f'backbone.{k}': v.shape for k, v in plain.items()}
        got = {k: v.shape for k, v in tensors.items()}
        if expected != got:
            bad = sorted(set(expected) ^ set(got)) or sorted(k for k in got if got[k] != expected[k])
            raise RuntimeError(f'transfer weights do not match the plain backbone: {bad[:5]}')
        backbone = meta['backbone_cfg'] = network_cfg['backbone']
        meta['backbone_only'] = True
    if isinstance(backbone.get('type'), str):
        meta['backbone_type'] = backbone['type']
    if isinstance(src_meta.get('dataset_meta'), dict):
        try:
            meta['dataset_meta'] = plain_data(src_meta['dataset_meta'])
        except TypeError:
            pass
    if test_pipeline is not None:
        pipeline, pipeline_source = test_pipeline, 'test_pipeline argument'
    else:
        pipeline, pipeline_source = stored_test_pipeline(src_meta)
    if pipeline and css_export == 'full':
        try:
            meta['test_pipeline'], meta['test_pipeline_source'] = plain_data(pipeline), pipeline_source
        except TypeError:
            pass
    meta['num_tensors'] = len(tensors)
    meta['num_params'] = int(sum(v.numel() for v in tensors.values() if v.is_floating_point()))
    meta['notes'] = []
    write_checkpoint({'state_dict': tensors, 'meta': meta}, out, force)
    return meta
