"""How a state dict differs from a model's: the one comparison behind every strict load with a readable error."""

from typing import List, Mapping, Sequence, Tuple


def key_differences(own: Mapping, state: Mapping, source: str = 'checkpoint') -> Tuple[List[str], List[str], List[str]]:
    """(missing, unexpected, mis-shaped) keys of ``state`` against the model's ``own`` state dict.

    Args:
        own (Mapping): the model's ``state_dict()``.
        state (Mapping): what is to be loaded.
        source (str): how the mis-shaped lines name ``state`` (``'checkpoint: (3, 3) vs model (4, 3)'``).
    """
    missing = sorted(own.keys() - state.keys())
    unexpected = sorted(state.keys() - own.keys())
    mis_shaped = [
        f'{k}: {source} {tuple(state[k].shape)} vs model {tuple(own[k].shape)}'
        for k in sorted(own.keys() & state.keys())
        if hasattr(state[k], 'shape') and tuple(state[k].shape) != tuple(own[k].shape)
    ]
    return missing, unexpected, mis_shaped


def abbreviate(keys: Sequence[str], limit: int = 8) -> str:
    """The first ``limit`` of ``keys``, comma-separated, and how many more there are."""
    return ', '.join(keys[:limit]) + (f' ... (+{len(keys) - limit})' if len(keys) > limit else '')
