from .backbones import *  # noqa: F401,F403
from .branches import *  # noqa: F401,F403
from .classifiers import *  # noqa: F401,F403
from .distillers import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .selfsup import *  # noqa: F401,F403
