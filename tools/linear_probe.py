"""Linear probe: freeze a backbone, fit a linear classifier on true labels, report top-1.

    python tools/linear_probe.py CONFIG CKPT [--train-split train] [--test-split test]
        [--epochs 100] [--lr 0.1] [--weight-decay 0] [--backbone-only] [--out RESULT.json]
        [--device cuda|cpu|cuda:N] [--progress auto|bar|lines|off]
        [--dataset DATA_CONFIG [--dataset-options data_root=...] [--milestones 30 60 90] [--no-augment]]

Works for the SSSD stage-1 (MoCo) and stage-3 checkpoints, exported students, and any
classifier config. Features are the globally pooled outputs of the frozen network on the
config's test pipeline, standardised with the training set's statistics. For an SSSD stage-3
checkpoint every exit is probed (``exit1..exitL``, deepest last) and ``ensemble`` averages the
probes' softmax (the paper's "Ensemble", our reading of its evaluation); ``--backbone-only``
probes the last stage alone, as for any other model. True labels are used here and only here.
``--device`` is where the network embeds and where the probe trains (features and linear layer);
the probe's initialisation and shuffling are drawn on the CPU, so a CPU run is the same whatever
the machine has.

Transfer (``--dataset``): the network of CONFIG / CKPT (e.g. a CIFAR-trained student) is probed on
another data set, the train / test loaders of DATA_CONFIG (a dataset config such as
``configs/_base_/datasets/stl10_probe32.py``). Images are normalised with the network's own statistics
and the channel order of DATA_CONFIG (its ``data_preprocessor.to_rgb``: whether its images are read as
BGR). The protocol is DATA_CONFIG's ``linear_probe`` dict (epochs, lr, momentum, weight_decay,
milestones, gamma, batch_size, augment); the options given on the command line win. With ``augment``
the probe trains on the raw pooled features of the train pipeline's augmented images, embedded anew
every epoch by the frozen network; without it, on standardised features embedded once with the test
pipeline, as above.
"""

import argparse
import copy
import json
import os.path as osp
import random
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.realpath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from mmengine.config import DictAction  # noqa: E402

from mmkd.apis.features import build_eval_dataset, extract_features, load_feature_model  # noqa: E402
from mmkd.apis.runner import load_config  # noqa: E402
from mmkd.utils.progress import ProgressReporter, add_progress_argument  # noqa: E402


def resolve_device(device) -> torch.device:
    """``--device`` as a ``torch.device``; a clear ``ValueError`` naming the option when it cannot be used."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as e:
        raise ValueError(
            f'--device {device!r} is not a device torch knows ({e}); pass e.g. --device cpu or --device cuda'
        ) from None
    if dev.type == 'cuda':
        if not torch.cuda.is_available():
            raise ValueError(
                f'--device {device}: no CUDA GPU is available here (torch.cuda.is_available() '
                'is False); pass --device cpu'
            )
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(
                f'--device {device}: only {torch.cuda.device_count()} CUDA device(s) here; '
                f'pass --device cuda:0 .. cuda:{torch.cuda.device_count() - 1} or --device cpu'
            )
    elif dev.type != 'cpu':
        raise ValueError(f'--device {device}: the linear probe runs on cpu or cuda only')
    return dev


def standardize(train: np.ndarray, test: np.ndarray):
    mean, std = train.mean(0, keepdims=True), train.std(0, keepdims=True) + 1e-6
    return (train - mean) / std, (test - mean) / std


def train_linear_probe(
    x: np.ndarray,
    y: np.ndarray,
    num_classes: int,
    epochs: int = 100,
    lr: float = 0.1,
    weight_decay: float = 0.0,
    batch_size: int = 256,
    seed: int = 0,
    device='cpu',
    progress=True,
    desc: str = 'linear probe',
    momentum: float = 0.9,
    milestones=None,
    gamma: float = 0.1,
) -> nn.Linear:
    """Fit ``nn.Linear`` with SGD and cross-entropy on fixed features.

    The learning rate decays by ``gamma`` at each epoch of ``milestones``, or, without them, along a
    cosine over every step. The features, labels and layer live on ``device``; the initial weights and
    the batch order are drawn from a CPU generator seeded with ``seed``, so they do not depend on the
    device. ``progress`` (see :mod:`mmkd.utils.progress`) counts the epochs.
    """
    if len(x) == 0:
        raise ValueError('no training features for the linear probe')
    device = torch.device(device)
    g = torch.Generator().manual_seed(seed)
    x = torch.as_tensor(x, dtype=torch.float32).to(device)
    y = torch.as_tensor(y, dtype=torch.long).to(device)
    probe = nn.Linear(x.shape[1], num_classes)
    with torch.no_grad():
        probe.weight.normal_(0, 0.01, generator=g)
        probe.bias.zero_()
    probe.to(device)
    optim = torch.optim.SGD(probe.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    if milestones is None:
        steps = epochs * ((len(x) + batch_size - 1) // batch_size)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(optim, T_max=max(steps, 1))
    else:
        sched = torch.optim.lr_scheduler.MultiStepLR(optim, list(milestones), gamma)
    with ProgressReporter(epochs, desc, 'epoch', progress) as bar:
        for _ in range(epochs):
            for idx in torch.randperm(len(x), generator=g).split(batch_size):
                idx = idx.to(device)
                loss = F.cross_entropy(probe(x[idx]), y[idx])
                optim.zero_grad()
                loss.backward()
                optim.step()
                if milestones is None:
                    sched.step()
            if milestones is not None:
                sched.step()
            bar.update()
    return probe


def pooled_features(model, inputs: torch.Tensor, exits: bool = False):
    """The frozen network's pooled features of ``inputs``: one tensor per SSSD exit, or the last stage's."""
    if exits:
        return list(model.exit_features(inputs))
    out = getattr(model, 'student', model).backbone(inputs)
    out = out[-1] if isinstance(out, (tuple, list)) else out
    return [F.adaptive_avg_pool2d(out, 1).flatten(1)]


def train_probe_on_images(
    model,
    dataset,
    num_classes: int,
    epochs: int = 100,
    lr: float = 0.1,
    momentum: float = 0.9,
    weight_decay: float = 0.0,
    milestones=(30, 60, 90),
    gamma: float = 0.1,
    batch_size: int = 64,
    seed: int = 0,
    num_workers: int = 0,
    device='cpu',
    exits: bool = False,
    progress=True,
    desc: str = 'probe',
):
    """Fit one ``nn.Linear`` per feature (exit) on ``dataset``'s images, augmented by its pipeline and
    embedded by the frozen ``model`` anew every epoch; SGD, x``gamma`` at each epoch of ``milestones``.

    The initial weights and the image order are drawn from a CPU generator seeded with ``seed``; the
    augmentations from numpy / random seeded with ``seed`` (per worker and epoch with ``num_workers``).
    Returns the list of probes.
    """
    from mmengine.dataset import default_collate

    from mmkd.utils.progress import ProgressReporter

    if len(dataset) == 0:
        raise ValueError('no training images for the linear probe')
    device = torch.device(device)
    g = torch.Generator().manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)
    probes, optim, sched = None, None, None
    with ProgressReporter(epochs, desc, 'epoch', progress) as bar:
        for epoch in range(epochs):

            def init_worker(worker_id, epoch=epoch):
                np.random.seed((seed + 1000 * epoch + worker_id) % 2**32)
                random.seed(seed + 1000 * epoch + worker_id)

            loader = torch.utils.data.DataLoader(
                dataset,
                batch_size=batch_size,
                shuffle=True,
                generator=g,
                num_workers=num_workers,
                collate_fn=default_collate,
                worker_init_fn=init_worker,
            )
            for batch in loader:
                data = model.data_preprocessor(batch, False)
                labels = torch.cat([s.gt_label for s in data['data_samples']]).to(device)
                with torch.no_grad():
                    feats = pooled_features(model, data['inputs'].to(device), exits)
                if probes is None:  # the widths are known from the first batch
                    probes = [nn.Linear(f.shape[1], num_classes) for f in feats]
                    with torch.no_grad():
                        for p in probes:
                            p.weight.normal_(0, 0.01, generator=g)
                            p.bias.zero_()
                    probes = [p.to(device) for p in probes]
                    params = [q for p in probes for q in p.parameters()]
                    optim = torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
                    sched = torch.optim.lr_scheduler.MultiStepLR(optim, list(milestones or ()), gamma)
                loss = sum(F.cross_entropy(p(f.float()), labels) for p, f in zip(probes, feats))
                optim.zero_grad()
                loss.backward()
                optim.step()
            sched.step()
            bar.update()
    return probes


@torch.no_grad()
def probe_probabilities(probe: nn.Linear, x: np.ndarray) -> torch.Tensor:
    """Softmax of ``probe`` on ``x`` (computed on the probe's device), returned on the CPU."""
    device = probe.weight.device
    return F.softmax(probe(torch.as_tensor(x, dtype=torch.float32).to(device)), dim=1).cpu()


# the probe protocol without --dataset (or where a dataset config's linear_probe leaves a key out)
PROBE_DEFAULTS = dict(
    epochs=100, lr=0.1, momentum=0.9, weight_decay=0.0, milestones=None, gamma=0.1, batch_size=256, augment=False
)
CLI_OPTIONS = dict(epochs='epochs', lr='lr', weight_decay='weight_decay', batch_size='probe_batch_size')


def probe_protocol(args, data_cfg=None) -> dict:
    """The probe's settings: :data:`PROBE_DEFAULTS`, then ``data_cfg.linear_probe``, then the command line."""
    protocol = dict(PROBE_DEFAULTS)
    if data_cfg is not None:
        given = dict(data_cfg.get('linear_probe') or {})
        unknown = sorted(set(given) - set(PROBE_DEFAULTS))
        if unknown:
            raise ValueError(
                f'{data_cfg.filename}: linear_probe has unknown key(s) {unknown}; known: {sorted(PROBE_DEFAULTS)}'
            )
        protocol.update(given)
    for key, option in CLI_OPTIONS.items():
        if getattr(args, option, None) is not None:
            protocol[key] = getattr(args, option)
    if getattr(args, 'milestones', None):
        protocol['milestones'] = list(args.milestones)
    if getattr(args, 'no_augment', False):
        protocol['augment'] = False
    return protocol


def match_channel_order(cfg, data_cfg) -> bool:
    """Give the network's data preprocessor ``data_cfg``'s ``to_rgb`` (its images' channel order); returns it."""
    to_rgb = bool((data_cfg.get('data_preprocessor') or {}).get('to_rgb', False))
    holders = [h for h in (cfg.get('data_preprocessor'), cfg.model.get('data_preprocessor')) if h is not None]
    if not holders:
        cfg.data_preprocessor = dict(type='ClsDataPreprocessor')
        holders = [cfg.data_preprocessor]
    for holder in holders:
        holder['to_rgb'] = to_rgb
    return to_rgb


def build_train_dataset(cfg, split: str):
    """``split``'s dataset of ``cfg`` with its own (augmenting) pipeline."""
    from mmkd.registry import DATASETS

    loader = cfg.get(f'{split}_dataloader')
    if not loader or not loader.get('dataset'):
        raise ValueError(f'{cfg.filename} has no {split}_dataloader.dataset to train the probe on')
    return DATASETS.build(copy.deepcopy(loader['dataset']))


def linear_probe(args) -> dict:
    """Embed both splits and probe them on ``args.device``; returns {probe name: top-1 %}."""
    from mmkd.utils import register_all_modules

    device = resolve_device(args.device)
    progress = getattr(args, 'progress', True)
    print(f'linear probe: embedding and probe training on {device}', flush=True)
    register_all_modules(init_default_scope=True)
    cfg = load_config(args.config, args.cfg_options)
    data_cfg = None
    if getattr(args, 'dataset', None):
        data_cfg = load_config(args.dataset, getattr(args, 'dataset_options', None))
        to_rgb = match_channel_order(cfg, data_cfg)
        print(f'linear probe: data from {args.dataset} (to_rgb={to_rgb})', flush=True)
    protocol = probe_protocol(args, data_cfg)
    print('linear probe: ' + ', '.join(f'{k}={v}' for k, v in protocol.items()), flush=True)
    source = cfg if data_cfg is None else data_cfg
    model, exits_loaded = load_feature_model(cfg, args.checkpoint, device, with_exits=not args.backbone_only)
    exits = exits_loaded and not args.backbone_only
    embed = dict(exits=exits, progress=progress)
    test_set = build_eval_dataset(source, args.test_split)
    test_feats, test_y = extract_features(
        model, test_set, args.batch_size, args.num_workers, device, desc=f'embed {args.test_split}', **embed
    )
    if test_y is None:
        raise ValueError('the linear probe needs true labels in both the train and the test split')
    names = [f'exit{i + 1}' for i in range(len(test_feats))] if exits else ['backbone']
    schedule = dict(momentum=protocol['momentum'], milestones=protocol['milestones'], gamma=protocol['gamma'])
    if protocol['augment']:
        train_set = build_train_dataset(source, args.train_split)
        num_classes = int(source.get('num_classes') or len(train_set.metainfo['classes']))
        probes = train_probe_on_images(
            model,
            train_set,
            num_classes,
            protocol['epochs'],
            protocol['lr'],
            weight_decay=protocol['weight_decay'],
            batch_size=protocol['batch_size'],
            seed=args.seed,
            num_workers=args.num_workers,
            device=device,
            desc='probe ' + '+'.join(names),
            momentum=protocol['momentum'],
            milestones=protocol['milestones'] or (),
            gamma=protocol['gamma'],
            **embed,
        )
        probs = [probe_probabilities(p, te) for p, te in zip(probes, test_feats)]
    else:
        train_set = build_eval_dataset(source, args.train_split)
        train_feats, train_y = extract_features(
            model, train_set, args.batch_size, args.num_workers, device, desc=f'embed {args.train_split}', **embed
        )
        if train_y is None:
            raise ValueError('the linear probe needs true labels in both the train and the test split')
        num_classes = int(max(train_y.max(), test_y.max())) + 1
        probs = []
        for name, tr, te in zip(names, train_feats, test_feats):
            tr, te = standardize(tr, te)
            probe = train_linear_probe(
                tr,
                train_y,
                num_classes,
                protocol['epochs'],
                protocol['lr'],
                protocol['weight_decay'],
                protocol['batch_size'],
                args.seed,
                device=device,
                progress=progress,
                desc=f'probe {name}',
                **schedule,
            )
            probs.append(probe_probabilities(probe, te))
    results = {name: float((p.argmax(1).numpy() == test_y).mean() * 100) for name, p in zip(names, probs)}
    if len(probs) > 1:
        results['ensemble'] = float((torch.stack(probs).mean(0).argmax(1).numpy() == test_y).mean() * 100)
    return results


def parse_args():
    parser = argparse.ArgumentParser(description='Linear probe of a frozen backbone (top-1 on true labels)')
    parser.add_argument('config', help='config of the model (MoCo, SSSD, classifier, distiller)')
    parser.add_argument('checkpoint', help='its checkpoint (training or exported)')
    parser.add_argument('--train-split', default='train', choices=['train', 'val', 'test'])
    parser.add_argument('--test-split', default='test', choices=['train', 'val', 'test'])
    parser.add_argument('--epochs', type=int, help='probe epochs (default: 100, or the dataset config\'s)')
    parser.add_argument(
        '--lr', type=float, help='SGD learning rate (default: 0.1 with cosine decay, or the dataset config\'s)'
    )
    parser.add_argument('--weight-decay', type=float, help='default: 0, or the dataset config\'s')
    parser.add_argument('--probe-batch-size', type=int, help='default: 256, or the dataset config\'s')
    parser.add_argument('--milestones', type=int, nargs='+', help='step the lr x0.1 at these epochs instead of cosine')
    parser.add_argument(
        '--dataset',
        help='probe on this dataset config\'s train / test loaders and its linear_probe protocol '
        '(e.g. configs/_base_/datasets/stl10_probe32.py) instead of CONFIG\'s data',
    )
    parser.add_argument(
        '--dataset-options', nargs='+', action=DictAction, help='override settings in --dataset (e.g. data_root=...)'
    )
    parser.add_argument(
        '--no-augment', action='store_true', help='embed the train images once with the test pipeline (faster)'
    )
    parser.add_argument('--batch-size', type=int, default=256, help='feature extraction batch size')
    parser.add_argument('--num-workers', type=int, default=2)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--backbone-only', action='store_true', help='probe the last stage only, even for SSSD')
    parser.add_argument('--out', help='write the results to this JSON file')
    parser.add_argument(
        '--device',
        default='cuda' if torch.cuda.is_available() else 'cpu',
        help='where the network embeds and the probe trains (default: cuda when there is one)',
    )
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override settings in the config')
    add_progress_argument(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    try:
        results = linear_probe(args)
    except (ValueError, FileNotFoundError, TypeError) as e:
        sys.exit(f'linear_probe: {e}')
    for name, acc in results.items():
        print(f'linear probe top-1 {name}: {acc:.2f}%')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=2)


if __name__ == '__main__':
    main()
