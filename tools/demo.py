"""The main job: every selected method on real Fashion-MNIST through the chain runner, on a CPU.

1. the teacher (ResNet-18, width 1/2) is trained once on its own, larger budget and given to every seed;
2. the student (ResNet-18, width 1/4) is trained alone and with every selected method, under each seed,
   on the same images; a validation split held out of the training images picks every "best";
3. each student is scored on the test split; ``<work-dir>/results.md`` gets the table (mean, spread and
   the paired gain over the student alone with its 95 % interval), ``curves.png`` and ``accuracy.png``;
4. the best distilled student and the student alone are exported and fine-tuned as backbones of
   Faster R-CNN and DeepLabV3 on composed Fashion-MNIST sets (seeded); their mAP / mIoU join the report.

Two presets: ``--preset quick`` (the default, ``make demo``) and ``--preset benchmark`` (every method,
3 seeds, both transfers under every seed); a flag given with a preset overrides that setting.
A rerun reuses every stage whose configuration is unchanged (``--force`` retrains). The library behind
it is ``mmkd/apis/demo.py`` (the job) and ``mmkd/apis/demo_report.py`` (the report).
"""

import argparse
import os.path as osp
import sys

REPO = osp.dirname(osp.dirname(osp.realpath(__file__)))
sys.path.insert(0, REPO)
DATA_ROOT = '/usr/share/datasets/fashion-mnist'

from mmkd.apis.chain import METHOD_NAMES, ChainError  # noqa: E402
from mmkd.apis.demo import DETECTORS, PRESETS, DemoSettings, fashion_train_size, run_demo  # noqa: E402
from mmkd.apis.demo_report import write_report  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--preset', choices=sorted(PRESETS), default='quick', help='the set of defaults below')
    parser.add_argument('--work-dir', default=osp.join(REPO, 'work_dirs', 'demo'))
    parser.add_argument('--data-root', default=DATA_ROOT, help='directory with the Fashion-MNIST IDX files')
    parser.add_argument('--methods', nargs='+', choices=METHOD_NAMES, help='student methods to compare')
    parser.add_argument('--seeds', type=int, help='run every student stage under seeds 0..N-1')
    parser.add_argument('--epochs', type=int, help='epochs of every student stage')
    parser.add_argument('--num-train', type=int, help='training images of the students (first N; 0 = all not held out)')
    parser.add_argument('--num-val', type=int, help='training images held out as the validation split (0 = none)')
    parser.add_argument('--num-test', type=int, help='test images (first N of 10k; 0 = all)')
    parser.add_argument('--teacher-epochs', type=int, help='epochs of the teacher (trained once)')
    parser.add_argument('--teacher-num-train', type=int, help='training images of the teacher (first N)')
    parser.add_argument('--moco-epochs', type=int, help="epochs of SSSD's MoCo stage (default: --epochs)")
    parser.add_argument('--transfers', nargs='+', choices=['det', 'seg', 'none'], help='downstream transfers')
    parser.add_argument('--transfer-iters', '--det-iters', type=int, help='iterations of every transfer (0 = none)')
    parser.add_argument('--transfer-seeds', type=int, help='run the transfers under seeds 0..N-1 (at most --seeds)')
    parser.add_argument('--detector', choices=sorted(DETECTORS), default='faster-rcnn', help='the detection transfer')
    parser.add_argument(
        '--det-images',
        type=int,
        nargs=2,
        default=[400, 150],
        metavar=('TRAIN', 'VAL'),
        help='composed train / val canvases of each transfer set',
    )
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--workers', type=int, default=2, help='data loader workers per stage')
    parser.add_argument('--num-clusters', type=int, default=50, help='SSSD: k-means K')
    parser.add_argument('--amp', action='store_true', help='mixed precision in every training stage (GPU only)')
    parser.add_argument('--no-preflight', action='store_true', help='no one-step dry run before each stage')
    parser.add_argument('--force', action='store_true', help='retrain every stage')
    return parser.parse_args(argv)


def settings_from(args) -> DemoSettings:
    preset = PRESETS[args.preset]
    chosen = {k: getattr(args, k) for k in preset if getattr(args, k) is not None}  # flags win over the preset
    if 'none' in chosen.get('transfers', ()):
        chosen['transfers'] = []
    if args.transfer_seeds is None:  # the preset's transfer seeds, never more than the seeds run
        chosen['transfer_seeds'] = min(preset['transfer_seeds'], chosen.get('seeds', preset['seeds']))
    return DemoSettings.from_preset(
        args.preset,
        work_dir=osp.abspath(args.work_dir),
        data_root=args.data_root,
        det_images=tuple(args.det_images),
        detector=args.detector,
        batch_size=args.batch_size,
        workers=args.workers,
        num_clusters=args.num_clusters,
        amp=args.amp,
        preflight=not args.no_preflight,
        force=args.force,
        total_train=fashion_train_size(args.data_root),
        **chosen,
    )


def main(argv=None):
    args = parse_args(argv)
    try:
        settings = settings_from(args)
        result = run_demo(settings)
    except (ChainError, ValueError, FileNotFoundError) as e:
        sys.exit(f'demo: {e}')
    print(write_report(result))
    print(f'\nwrote {osp.join(settings.work_dir, "results.md")}, curves.png, accuracy.png')


if __name__ == '__main__':
    main()
