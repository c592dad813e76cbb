"""Drop unreadable image files from a dataset when it is built, instead of dying mid-epoch."""

from concurrent.futures import ThreadPoolExecutor
from typing import Union

from mmengine.logging import MMLogger

from mmkd.registry import DATASETS


def is_readable(path: str, backend_args: dict = None) -> bool:
    """Whether ``path`` reads and decodes as an image (the way mmcv's ``LoadImageFromFile`` does)."""
    import mmcv
    from mmengine import fileio

    try:
        return mmcv.imfrombytes(fileio.get(path, backend_args=backend_args)) is not None
    except Exception:
        return False


@DATASETS.register_module()
def SkipUnreadableImages(
    dataset: Union[dict, object], num_threads: int = 4, log_first: int = 5, backend_args: dict = None
):
    """``dataset`` without the samples whose ``img_path`` cannot be read or decoded.

    Every image is read and decoded once at build time (a pre-scan: for large sets this takes
    minutes); the number dropped and the first few paths are logged. Usable for any split, unlike
    ``LoadImageFromFile(skip_unreadable=True)``, which skips at load time in training only.

    Args:
        dataset (dict | Dataset): the dataset to filter; it must offer ``get_subset``
            (every mmengine ``BaseDataset`` does).
        num_threads (int): threads decoding images during the scan. Defaults to 4.
        log_first (int): how many dropped paths to name in the log. Defaults to 5.
        backend_args (dict, optional): file backend arguments, as for ``LoadImageFromFile``.
    """
    ds = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
    ds.full_init()
    paths = [ds.get_data_info(i).get('img_path') for i in range(len(ds))]
    if None in paths:
        raise ValueError(
            f'SkipUnreadableImages: {type(ds).__name__} samples have no img_path to check; '
            'use it around image-file datasets only'
        )
    with ThreadPoolExecutor(max(1, num_threads)) as pool:
        readable = list(pool.map(lambda p: is_readable(p, backend_args), paths))
    bad = [p for p, ok in zip(paths, readable) if not ok]
    if not bad:
        return ds
    if len(bad) == len(paths):
        raise ValueError(
            f'SkipUnreadableImages: none of the {len(paths)} images of {type(ds).__name__} '
            f'can be read (first: {bad[0]}); check data_root / data_prefix'
        )
    MMLogger.get_current_instance().warning(
        f'SkipUnreadableImages: dropped {len(bad)} of {len(paths)} images that cannot be read: '
        + ', '.join(bad[:log_first])
        + (' ...' if len(bad) > log_first else '')
    )
    return ds.get_subset([i for i, ok in enumerate(readable) if ok])
