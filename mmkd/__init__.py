from .utils.version_check import check_stack
from .version import __version__

check_stack()

from .utils.checkpoint import setup_safe_checkpoint_loading  # noqa: E402

setup_safe_checkpoint_loading()

__all__ = ['__version__']
