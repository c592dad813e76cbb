"""The datasets beyond CIFAR / Fashion-MNIST / ImageNet, each read from a tiny generated copy of the layout its
authors ship, through its dataset base (configs/_base_/datasets): length, labels, class names, one pipeline
output; and the error that names the file at fault."""

import os
import os.path as osp

import numpy as np
import pytest
from conftest import REPO
from mmengine.config import Config
from PIL import Image

from mmkd.apis.config import finalize_config
from mmkd.utils import register_all_modules

register_all_modules(init_default_scope=True)
BASES = osp.join(REPO, 'configs', '_base_', 'datasets')


def _jpg(path, value=0, size=(40, 30)):
    os.makedirs(osp.dirname(path), exist_ok=True)
    Image.fromarray(np.full((size[1], size[0], 3), value, np.uint8)).save(path)


def build(base: str, data_root: str, loader: str = 'train_dataloader', **options):
    """The ``loader`` dataset of the dataset base ``base`` with ``data_root``, as a run builds it."""
    from mmkd.registry import DATASETS

    cfg = Config.fromfile(osp.join(BASES, base))
    cfg.merge_from_dict(dict(data_root=data_root, **options))
    cfg = finalize_config(cfg)
    return cfg, DATASETS.build(cfg[loader]['dataset'])


def _first(ds):
    out = ds[0]
    return out['inputs'].shape, int(out['data_samples'].gt_label[0])


# ----------------------------------------------------------------------------- fine-grained (224 px)
DOG_FOLDERS = ['n02085620-Chihuahua', 'n02085782-Japanese_spaniel', 'n02086240-Shih-Tzu']


def make_dogs(root):
    from scipy.io import savemat

    lists = {'train': [], 'test': []}
    for c, folder in enumerate(DOG_FOLDERS):
        for i in range(3):
            rel = f'{folder}/{folder.split("-")[0]}_{i}.jpg'
            _jpg(osp.join(root, 'Images', rel), 40 * c)
            lists['train' if i < 2 else 'test'].append((rel, c + 1))
    os.makedirs(osp.join(root, 'lists'))
    for split, rows in lists.items():
        files = np.empty((len(rows), 1), dtype=object)
        files[:, 0] = [np.array([r]) for r, _ in rows]
        labels = np.array([[c] for _, c in rows], dtype=np.uint8)
        savemat(osp.join(root, 'lists', f'{split}_list.mat'), dict(file_list=files, labels=labels))
    return root


def test_stanford_dogs_reads_the_mat_lists(tmp_path):
    root = make_dogs(str(tmp_path / 'dogs'))
    cfg, train = build('stanford_dogs_224.py', root, num_classes=3)
    _, test = build('stanford_dogs_224.py', root, 'test_dataloader', num_classes=3)
    assert (len(train), len(test)) == (6, 3)
    assert train.CLASSES == ('Chihuahua', 'Japanese_spaniel', 'Shih-Tzu')
    assert train.get_gt_labels().tolist() == [0, 0, 1, 1, 2, 2] and test.get_gt_labels().tolist() == [0, 1, 2]
    assert train.get_data_info(2)['img_path'].endswith('Images/n02085782-Japanese_spaniel/n02085782_0.jpg')
    assert _first(train) == ((3, 224, 224), 0) and _first(test) == ((3, 224, 224), 0)
    assert cfg.data_preprocessor.num_classes == 3
    os.remove(osp.join(root, 'lists', 'test_list.mat'))
    with pytest.raises(FileNotFoundError, match=r'lists/test_list\.mat does not exist'):
        build('stanford_dogs_224.py', root, 'test_dataloader')


def make_mit67(root, bad=False):
    classes = ['bakery', 'airport_inside', 'kitchen']
    rows = {'Train': [], 'Test': []}
    for c, name in enumerate(sorted(classes)):
        for i in range(3):
            rel = f'{name}/{name}_{i}.jpg'
            _jpg(osp.join(root, 'Images', rel), 50 * c)
            rows['Train' if i < 2 else 'Test'].append(rel)
    if bad:  # a listed file that does not decode
        with open(osp.join(root, 'Images', 'kitchen', 'broken.jpg'), 'wb') as f:
            f.write(b'GIF89a not a jpeg')
        rows['Train'].append('kitchen/broken.jpg')
    for split, lines in rows.items():
        with open(osp.join(root, f'{split}Images.txt'), 'w', newline='') as f:
            f.write(''.join(line + '\r\n' for line in lines))  # the files' Windows line ends
    return root


def test_mit67_reads_the_split_files_and_drops_undecodable_images(tmp_path):
    root = make_mit67(str(tmp_path / 'mit67'), bad=True)
    _, train = build('mit67_224.py', root, num_classes=3)
    _, test = build('mit67_224.py', root, 'test_dataloader', num_classes=3)
    assert (len(train), len(test)) == (6, 3)  # the broken file is dropped
    assert train.CLASSES == ('airport_inside', 'bakery', 'kitchen')
    assert test.get_gt_labels().tolist() == [0, 1, 2]
    assert _first(test) == ((3, 224, 224), 0)
    with open(osp.join(root, 'TestImages.txt'), 'a') as f:
        f.write('gym/gym_1.jpg\n')
    with pytest.raises(ValueError, match=r'TestImages\.txt line 4 lists gym/gym_1\.jpg, but .*Images has no folder'):
        build('mit67_224.py', root, 'test_dataloader')


def test_stanford_cars_uses_mmpretrains_reader(tmp_path):
    from scipy.io import savemat

    root = str(tmp_path / 'cars')
    names, classes, tests = [], [], []
    for i in range(6):
        names.append(f'car_ims/{i:06d}.jpg')
        classes.append(i % 3 + 1)
        tests.append(int(i >= 4))
        _jpg(osp.join(root, names[-1]), 30 * i)
    annotations = np.zeros((1, 6), dtype=[('relative_im_path', 'O'), ('class', 'O'), ('test', 'O')])
    for i in range(6):
        annotations[0, i] = (names[i], np.array([[classes[i]]], np.uint8), np.array([[tests[i]]], np.uint8))
    savemat(osp.join(root, 'cars_annos.mat'), dict(annotations=annotations))
    _, train = build('stanford_cars_224.py', root)
    _, test = build('stanford_cars_224.py', root, 'test_dataloader')
    assert (len(train), len(test)) == (4, 2)
    assert train.get_gt_labels().tolist() == [0, 1, 2, 0] and test.get_gt_labels().tolist() == [1, 2]
    assert len(train.CLASSES) == 196 and train.CLASSES[0] == 'AM General Hummer SUV 2000'
    assert _first(train)[0] == (3, 224, 224)


def test_fgvc_aircraft_uses_mmpretrains_reader(tmp_path):
    from mmpretrain.datasets.categories import FGVCAIRCRAFT_CATEGORIES as VARIANTS

    root = str(tmp_path / 'aircraft')
    rows = {'trainval': [('1000001', VARIANTS[0]), ('1000002', VARIANTS[5])], 'test': [('1000003', VARIANTS[5])]}
    for split, pairs in rows.items():
        for name, _ in pairs:
            _jpg(osp.join(root, 'data', 'images', f'{name}.jpg'))
        with open(osp.join(root, 'data', f'images_variant_{split}.txt'), 'w') as f:
            f.write(''.join(f'{n} {v}\n' for n, v in pairs))
    _, train = build('fgvc_aircraft_224.py', root)
    _, test = build('fgvc_aircraft_224.py', root, 'test_dataloader')
    assert (len(train), len(test)) == (2, 1) and train.get_gt_labels().tolist() == [0, 5]
    assert len(train.CLASSES) == 100 and _first(test) == ((3, 224, 224), 5)


# ----------------------------------------------------------------------------- Tiny-ImageNet
WNIDS = ['n02124075', 'n01443537', 'n09246464']  # wnids.txt is not sorted


def make_tiny_imagenet(root, annotations=True):
    os.makedirs(root)
    with open(osp.join(root, 'wnids.txt'), 'w') as f:
        f.write(''.join(w + '\n' for w in WNIDS))
    with open(osp.join(root, 'words.txt'), 'w') as f:
        f.write('n01443537\tgoldfish, Carassius auratus\nn02124075\tEgyptian cat\nn09246464\tcliff, drop\n')
    for w in WNIDS:
        for i in range(2):
            _jpg(osp.join(root, 'train', w, 'images', f'{w}_{i}.JPEG'), size=(64, 64))
        with open(osp.join(root, 'train', w, f'{w}_boxes.txt'), 'w') as f:
            f.write('')
    rows = [('val_0.JPEG', 'n09246464'), ('val_1.JPEG', 'n01443537'), ('val_2.JPEG', 'n09246464')]
    for name, _ in rows:
        _jpg(osp.join(root, 'val', 'images', name), size=(64, 64))
    if annotations:
        with open(osp.join(root, 'val', 'val_annotations.txt'), 'w') as f:
            f.write(''.join(f'{n}\t{w}\t0\t0\t63\t63\n' for n, w in rows))
    return root


def test_tiny_imagenet_train_folders_and_val_annotations(tmp_path):
    root = make_tiny_imagenet(str(tmp_path / 'tiny-imagenet-200'))
    cfg, train = build('tiny_imagenet.py', root, num_classes=3)
    _, val = build('tiny_imagenet.py', root, 'val_dataloader', num_classes=3)
    assert (len(train), len(val)) == (6, 3)
    assert train.CLASSES == ('goldfish, Carassius auratus', 'Egyptian cat', 'cliff, drop')  # sorted wnids
    assert train.get_gt_labels().tolist() == [0, 0, 1, 1, 2, 2]
    assert val.get_gt_labels().tolist() == [2, 0, 2]  # from val_annotations.txt
    assert _first(train) == ((3, 64, 64), 0) and _first(val) == ((3, 64, 64), 2)
    _, probe = build('tiny_imagenet_probe32.py', root, num_classes=3)
    assert _first(probe)[0] == (3, 32, 32) and cfg.input_size == 64
    bad = make_tiny_imagenet(str(tmp_path / 'bad'), annotations=False)
    with pytest.raises(FileNotFoundError, match=r'val/val_annotations\.txt does not exist'):
        build('tiny_imagenet.py', bad, 'val_dataloader')
    with open(osp.join(bad, 'val', 'val_annotations.txt'), 'w') as f:
        f.write('val_0.JPEG\tn00000000\t0\t0\t1\t1\n')
    with pytest.raises(ValueError, match='val_annotations.txt line 1 .* WordNet id of'):
        build('tiny_imagenet.py', bad, 'val_dataloader')
    with pytest.raises(ValueError, match='test/ images have no labels'):
        build('tiny_imagenet.py', root, 'val_dataloader', val_dataloader=dict(dataset=dict(split='test')))


# ----------------------------------------------------------------------------- STL-10, SVHN
def make_stl10(root, labels=(1, 10, 3, 1), num_test=3):
    """STL-10 binaries: image i is filled with value i in the red channel, 200 - i in blue; 1-based labels."""
    os.makedirs(root)
    for split, ys in (('train', labels), ('test', (2,) * num_test)):
        imgs = np.zeros((len(ys), 3, 96, 96), np.uint8)  # N, C, W, H: the files are column-major
        for i in range(len(ys)):
            imgs[i, 0], imgs[i, 2] = i, 200 - i
            imgs[i, 1, :, 0] = 255  # the first image row (H index 0, every W) is green
        imgs.tofile(osp.join(root, f'{split}_X.bin'))
        np.asarray(ys, np.uint8).tofile(osp.join(root, f'{split}_y.bin'))
    with open(osp.join(root, 'class_names.txt'), 'w') as f:
        f.write('\n'.join(['airplane', 'bird', 'car', 'cat', 'deer', 'dog', 'horse', 'monkey', 'ship', 'truck']))
    return root


def test_stl10_binary_images_labels_and_probe_pipeline(tmp_path):
    root = make_stl10(str(tmp_path / 'stl10_binary'))
    _, train = build('stl10_probe32.py', root)
    _, test = build('stl10_probe32.py', root, 'test_dataloader')
    assert (len(train), len(test)) == (4, 3)
    assert train.get_gt_labels().tolist() == [0, 9, 2, 0]  # 1-based in the files
    assert train.CLASSES[9] == 'truck'
    img = train.get_data_info(1)['img']
    assert img.shape == (96, 96, 3) and tuple(img[50, 50]) == (1, 0, 199)  # RGB
    assert (img[0, :, 1] == 255).all() and img[1:, :, 1].max() == 0  # rows are H: the transpose is right
    assert _first(train) == ((3, 32, 32), 0) and _first(test) == ((3, 32, 32), 1)
    bad = str(tmp_path / 'bad')
    make_stl10(bad, labels=(0, 1))
    with pytest.raises(ValueError, match=r'train_y\.bin holds labels 0\.\.1; expected 1\.\.10'):
        build('stl10_probe32.py', bad)
    os.remove(osp.join(bad, 'test_X.bin'))
    with pytest.raises(FileNotFoundError, match=r'test_X\.bin does not exist'):
        build('stl10_probe32.py', bad, 'test_dataloader')


def test_svhn_mat_files_and_digit_zero(tmp_path):
    from scipy.io import savemat

    root = str(tmp_path / 'svhn')
    os.makedirs(root)
    for split, ys in (('train', [10, 1, 9, 10]), ('test', [3, 10])):
        x = np.zeros((32, 32, 3, len(ys)), np.uint8)
        for i in range(len(ys)):
            x[..., 0, i] = 10 * i
        savemat(osp.join(root, f'{split}_32x32.mat'), dict(X=x, y=np.asarray(ys, np.uint8)[:, None]))
    cfg, train = build('svhn.py', root)
    _, test = build('svhn.py', root, 'test_dataloader')
    assert (len(train), len(test)) == (4, 2)
    assert train.get_gt_labels().tolist() == [0, 1, 9, 0] and test.get_gt_labels().tolist() == [3, 0]
    assert train.CLASSES == tuple('0123456789')
    assert train.get_data_info(2)['img'][5, 5, 0] == 20 and train.get_data_info(2)['img'].shape == (32, 32, 3)
    assert _first(train) == ((3, 32, 32), 0)
    assert not any(t['type'] == 'RandomFlip' for t in cfg.train_pipeline)  # a mirrored digit is another glyph
    savemat(osp.join(root, 'test_32x32.mat'), dict(X=np.zeros((32, 32, 3, 1), np.uint8), y=np.array([[11]])))
    with pytest.raises(ValueError, match=r'test_32x32\.mat: y holds 11\.\.11, expected 1\.\.10'):
        build('svhn.py', root, 'test_dataloader')
    with pytest.raises(FileNotFoundError, match=r'extra_32x32\.mat does not exist'):
        build('svhn.py', root, 'test_dataloader', test_dataloader=dict(dataset=dict(split='extra')))
