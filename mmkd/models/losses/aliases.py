"""Deprecated distiller keywords (``tau``, ``ce_weight``, ...) that fill a loss term's config."""

import warnings
from typing import Any, Dict, Optional


def fill_alias(
    terms: Dict[str, Optional[dict]],
    defaults: Dict[str, dict],
    owner: str,
    alias: str,
    value: Any,
    term: str,
    key: str = 'loss_weight',
) -> None:
    """Set ``terms[term][key] = value`` from the deprecated keyword ``alias`` (``value=None``: not given).

    A term value that differs from the alias's is an error unless it is the term's default: a base
    config spells the defaults out, and an older child config that still sets the alias must win
    over them.

    Args:
        terms (dict): term name -> its config as given (``None`` or a dict), updated in place.
        defaults (dict): term name -> its default config.
        owner (str): the distiller's name, for messages.
        alias (str): the deprecated keyword.
        value: its value, ``None`` when not given.
        term (str): the term it fills, e.g. ``'loss_kd'``.
        key (str): the key inside the term. Defaults to ``'loss_weight'``.
    """
    if value is None:
        return
    warnings.warn(f'{owner}({alias}=...) is deprecated: set {term}=dict({key}=...)', DeprecationWarning, stacklevel=3)
    cfg = dict(terms.get(term) or {})
    default = defaults.get(term, {})
    same_type = cfg.get('type', default.get('type')) == default.get('type')
    if key in cfg and cfg[key] != value and not (same_type and cfg[key] == default.get(key)):
        raise ValueError(
            f'{owner}: {alias}={value!r} and {term}.{key}={cfg[key]!r} set the same value; give only {term}.{key}'
        )
    cfg[key] = value
    terms[term] = cfg
