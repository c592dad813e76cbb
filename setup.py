import os
import os.path as osp
import shutil
import sys
import warnings

from setuptools import find_packages, setup


def add_mim_extension():
    """Put configs/, tools/ and model-index.yml under mmkd/.mim for OpenMMLab's mim.

    `mim train/test/search/list mmkd` look for mmkd/.mim/{tools/train.py,configs,model-index.yml}.
    An editable install (`setup.py develop`, which `pip install -e .` runs here) links them; a
    wheel or sdist build copies them.
    """
    if 'develop' in sys.argv:
        mode = 'symlink'
    elif 'sdist' in sys.argv or 'bdist_wheel' in sys.argv:
        mode = 'copy'
    else:
        return
    root = osp.dirname(osp.abspath(__file__))
    mim_dir = osp.join(root, 'mmkd', '.mim')
    os.makedirs(mim_dir, exist_ok=True)
    for name in ('configs', 'tools', 'model-index.yml'):
        src = osp.join(root, name)
        dst = osp.join(mim_dir, name)
        if not osp.exists(src):
            continue
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            try:
                os.symlink(osp.relpath(src, mim_dir), dst)
                continue
            except OSError:
                warnings.warn(f'could not link {dst}; copying {src} instead')
        if osp.isdir(src):
            shutil.copytree(src, dst)
        else:
            shutil.copyfile(src, dst)


def readme():
    with open('README.md', encoding='utf-8') as f:
        return f.read()


def version():
    scope = {}
    with open('mmkd/version.py', encoding='utf-8') as f:
        exec(f.read(), scope)
    return scope['__version__']


def requirements(path):
    with open(path, encoding='utf-8') as f:
        return [line.split('#')[0].strip() for line in f if line.split('#')[0].strip()]


add_mim_extension()

setup(
    name='mmkd',
    version=version(),
    description='Self-supervision based knowledge distillation for OpenMMLab (mmpretrain / mmdet / mmseg)',
    long_description=readme(),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'docs')),
    python_requires='>=3.10',
    # Ranges, so that `pip install mmkd` fits an existing OpenMMLab environment: the ones
    # mmkd/utils/version_check.py accepts at import. The exact stack the tests run on is pinned in
    # requirements/*.txt, which tools/install.sh installs (mmcv built from source).
    install_requires=[
        'torch>=2.1',
        'torchvision>=0.16',
        'mmcv>=2.0.0,<2.2.0',
        'mmengine>=0.10.0,<1.0.0',
        'mmpretrain>=1.2.0,<1.3.0',
        'numpy>=1.24,<2.0',
        'opencv-python>=4.8,<5.0',
        'scikit-learn>=1.3',
        'matplotlib>=3.7,<3.11',  # 3.11 breaks mmpretrain's browse_dataset.py
        'tqdm',
    ],
    extras_require={
        'det': ['mmdet>=3.0.0,<3.4.0'],
        'seg': ['mmsegmentation>=1.0.0,<1.3.0', 'ftfy', 'regex'],
        'sssd': ['lightly>=1.5.0,<1.7.0'],
        'tests': requirements('requirements/tests.txt'),
    },
    license='Apache License 2.0',
    include_package_data=True,
    package_data={'mmkd': ['.mim/model-index.yml', '.mim/configs/**/*', '.mim/tools/**/*']},
    zip_safe=False,
)
