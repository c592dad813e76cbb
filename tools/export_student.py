"""Export a distilled student (or any mmpretrain classifier) for mmpretrain / mmdet / mmseg.

The output holds only tensors and plain python (the student's classifier config as ``meta['model_cfg']``,
its classes as ``meta['dataset_meta']``, its test pipeline as ``meta['test_pipeline']``), so it loads with
``torch.load(OUT, weights_only=True)`` and in mmdet / mmseg through
``init_cfg=dict(type='Pretrained', checkpoint=OUT, prefix='backbone.')``. For inference it is all that
``mmkd.apis.get_student(OUT)``, ``inference_student(OUT, image)`` and ``student_config(OUT)`` need, and
through the latter mmpretrain's ``ImageClassificationInferencer(model=student_config(OUT), pretrained=OUT)``
and ``FeatureExtractor`` (docs/inference.md).
Online methods export the peer they evaluate (``eval_peer``) unless ``--peer K`` is given (0-based).
CSS checkpoints export one whole peer (``--css-export full``, every branch: the same predictions),
its trunk + first branch as a plain backbone (``--css-export transfer``, or ``--backbone-only``), or
both peers as one model that predicts like the ensemble (``--ensemble``); see docs/methods/css.md.
An existing OUT is replaced only with ``--force``.
"""

import argparse
import os.path as osp
import pickle
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.realpath(__file__))))

import mmkd  # noqa: E402,F401
from mmkd.apis import export_student  # noqa: E402
from mmkd.utils.progress import add_progress_argument  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(
        description='Export the student of a distillation checkpoint',
        epilog='The exported file works with mmkd.apis.get_student / inference_student / student_config and '
        "mmpretrain's ImageClassificationInferencer and FeatureExtractor (model=student_config(OUT), "
        'pretrained=OUT); see docs/inference.md.',
    )
    parser.add_argument('checkpoint', help='checkpoint written by tools/train.py')
    parser.add_argument('out', help='output file (.pth)')
    parser.add_argument(
        '--peer',
        type=int,
        default=None,
        help='online methods: which peer to export (default: the one the method evaluates, eval_peer)',
    )
    parser.add_argument(
        '--ensemble',
        action='store_true',
        help='methods with an ensemble (CSS): write every peer as one model that predicts like the ensemble',
    )
    parser.add_argument(
        '--css-export',
        choices=('full', 'transfer'),
        default=None,
        help='CSS only: full (default): the whole peer, every branch, same predictions; transfer: trunk + first '
        'branch as a plain backbone checkpoint',
    )
    parser.add_argument('--backbone-only', action='store_true', help='export backbone.* keys only')
    parser.add_argument(
        '--config',
        default=None,
        help='training config, read when the checkpoint carries no model config (default: the stored one)',
    )
    parser.add_argument('--force', action='store_true', help='replace OUT if it exists')
    add_progress_argument(parser)  # shown for checkpoints of 100 MB and more
    return parser.parse_args()


def main():
    args = parse_args()
    try:
        meta = export_student(
            args.checkpoint,
            args.out,
            args.peer,
            args.backbone_only,
            force=args.force,
            progress=args.progress,
            ensemble=args.ensemble,
            css_export=args.css_export,
            config=args.config,
        )
    except (ValueError, OSError, TypeError, pickle.UnpicklingError) as e:
        sys.exit(f'export_student: {e}')
    peer = f'peer {meta["peer"]} ({meta["peer_choice"]}), ' if 'peer' in meta else ''
    if meta.get('ensemble'):
        peer = 'the ensemble of every peer, '
    if 'mode' in meta:
        peer += f'CSS {meta["mode"]} export, '
    print(
        f'exported {peer}{meta["num_tensors"]} tensors ({meta["num_params"] / 1e6:.2f}M params, '
        f'prefix {meta["prefix"]!r}) from {args.checkpoint} to {args.out}'
    )
    if 'model_cfg' in meta:
        print(
            f'model_cfg: {meta["model_cfg"].get("type")} with backbone {meta.get("backbone_type")}, '
            f'from {meta["model_cfg_source"]}'
        )
    if 'test_pipeline' in meta:
        names = ', '.join(str(t.get('type')) for t in meta['test_pipeline'])
        print(f'test_pipeline: {names}, from {meta["test_pipeline_source"]}')
    for note in meta['notes']:
        print(f'note: {note}')


if __name__ == '__main__':
    main()
