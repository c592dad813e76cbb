"""Write the composed Fashion-MNIST detection (COCO layout) and / or segmentation (mmseg layout) sets that
the ``*_fmnist-composed.py`` transfer configs read: test-set objects pasted on 128x128 canvases, train
objects from the first half of the test images and val objects from the second half, seeded.

    python tools/make_composed_fmnist.py --task det --out work_dirs/demo/fmnist_det
    python tools/make_composed_fmnist.py --task seg --out work_dirs/demo/fmnist_seg

Each split counts its canvases as it writes them (``--progress auto|bar|lines|off``).
"""

import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.realpath(__file__))))

from mmkd.utils.progress import add_progress_argument  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='Write a composed Fashion-MNIST detection / segmentation set')
    parser.add_argument('--task', choices=['det', 'seg'], required=True)
    parser.add_argument('--out', required=True, help='dataset root (the config\'s data_root)')
    parser.add_argument(
        '--data-root',
        default='/usr/share/datasets/fashion-mnist',
        help='folder of the Fashion-MNIST IDX files (t10k-images-idx3-ubyte[.gz], ...)',
    )
    parser.add_argument('--images', type=int, nargs=2, default=[400, 150], metavar=('TRAIN', 'VAL'))
    parser.add_argument('--seed', type=int, default=0, help='train split seed; val uses seed + 1')
    add_progress_argument(parser)
    return parser.parse_args()


def read_source(data_root: str):
    from mmkd.datasets import read_idx

    paths = []
    for name in ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'):
        found = [p for p in (osp.join(data_root, name + '.gz'), osp.join(data_root, name)) if osp.isfile(p)]
        if not found:
            sys.exit(
                f'make_composed_fmnist: {name}[.gz] not found in {data_root}; install the Debian package '
                'dataset-fashion-mnist or pass --data-root'
            )
        paths.append(found[0])
    return read_idx(paths[0]), read_idx(paths[1])


def main():
    args = parse_args()
    images, labels = read_source(args.data_root)
    half = len(images) // 2
    if args.task == 'det':
        from mmkd.datasets import FashionMNISTIDX, compose_detection_split

        classes = FashionMNISTIDX.METAINFO['classes']
        compose_detection_split(
            images[:half],
            labels[:half],
            classes,
            args.out,
            'train',
            args.images[0],
            seed=args.seed,
            progress=args.progress,
        )
        compose_detection_split(
            images[half:],
            labels[half:],
            classes,
            args.out,
            'val',
            args.images[1],
            seed=args.seed + 1,
            progress=args.progress,
        )
    else:
        from mmkd.datasets.composed_segmentation import compose_fashion_segmentation

        compose_fashion_segmentation(images, labels, args.out, args.images, seed=args.seed, progress=args.progress)
    print(f'wrote {args.images[0]} train + {args.images[1]} val canvases to {args.out}')


if __name__ == '__main__':
    main()
