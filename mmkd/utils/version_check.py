"""Fail early, with the package and the supported range named, on an unsupported stack."""

from importlib.metadata import PackageNotFoundError, version

from mmengine.utils import digit_version

# package -> (min inclusive, max exclusive); see requirements/ and docs/get_started.md.
SUPPORTED = {
    'mmengine': ('0.10.0', '1.0.0'),
    'mmcv': ('2.0.0', '2.2.0'),
    'mmpretrain': ('1.2.0', '1.3.0'),
}
OPTIONAL = {
    'mmdet': ('3.0.0', '3.4.0'),
    'mmsegmentation': ('1.0.0', '1.3.0'),
    'lightly': ('1.5.0', '1.7.0'),
}


def check_version(package: str, low: str, high: str) -> str:
    """Return the installed version of ``package``; raise if it is missing or outside [low, high)."""
    try:
        found = version(package)
    except PackageNotFoundError:
        raise ImportError(
            f'mmkd needs {package}>={low},<{high}, but it is not installed. Run `make install` (tools/install.sh).'
        ) from None
    if not digit_version(low) <= digit_version(found) < digit_version(high):
        raise ImportError(
            f'mmkd needs {package}>={low},<{high}, but {package}=={found} is installed. '
            'Run `make install` (tools/install.sh) to get the pinned stack.'
        )
    return found


def check_stack(optional: bool = False) -> dict:
    """Check the required packages (and the optional ones when ``optional``)."""
    wanted = dict(SUPPORTED, **(OPTIONAL if optional else {}))
    return {pkg: check_version(pkg, *rng) for pkg, rng in wanted.items()}
