"""Configs as plain data: what a checkpoint may carry, and how a stored config text is read without running it.

mmengine saves ``meta['cfg'] = cfg.pretty_text``: python source. ``Config.fromstring`` would execute
it, so a checkpoint could run code when it is inspected or exported. :func:`literal_config` reads
the assignments of such a text with a restricted parser instead: only literals, lists, tuples,
dicts and ``dict(key=value)`` calls; anything else (names, attributes, other calls, operators)
leaves that assignment out. Nothing is evaluated or imported.
"""

import ast
from typing import Any, Optional

__all__ = ['plain_data', 'literal_config', 'model_cfg_from_meta']

PLAIN_SCALARS = (bool, int, float, str, type(None))


def plain_data(value: Any) -> Any:
    """``value`` as nested dicts / lists / tuples of str, int, float, bool and None.

    ``ConfigDict`` and other mappings become dicts, numpy scalars / arrays become python numbers /
    lists. Raises ``TypeError`` naming the first value that is none of these (a class, a function...).
    """
    if isinstance(value, PLAIN_SCALARS):
        return value
    if hasattr(value, 'to_dict') and callable(value.to_dict):
        value = value.to_dict()
    if isinstance(value, dict):
        return {str(k): plain_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain_data(v) for v in value)
    if type(value).__module__ == 'numpy' and hasattr(value, 'tolist'):
        return plain_data(value.tolist())
    raise TypeError(f'{value!r} ({type(value).__name__}) is not plain data (dict, list, str, number, bool, None)')


def _literal(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, PLAIN_SCALARS):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_literal(n) for n in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise ValueError('** in a dict display')
        return {_literal(k): _literal(v) for k, v in zip(node.keys, node.values)}
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == 'dict'
        and not node.args
        and all(k.arg is not None for k in node.keywords)
    ):
        return {k.arg: _literal(k.value) for k in node.keywords}
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, (ast.USub, ast.UAdd))
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) in (int, float)
    ):
        return -node.operand.value if isinstance(node.op, ast.USub) else node.operand.value
    raise ValueError(f'{type(node).__name__} is not a literal')


def literal_config(text: str) -> dict:
    """The top-level ``name = <literal>`` assignments of a pretty-printed config text, as data.

    Assignments whose value is not a literal are left out; a text that is not python gives ``{}``.
    """
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return {}
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                out[node.targets[0].id] = _literal(node.value)
            except (ValueError, TypeError, RecursionError):
                continue
    return out


def model_cfg_from_meta(meta: dict) -> tuple:
    """``(model config as plain data or None, where it came from)`` for a checkpoint's meta.

    Prefers ``meta['mmkd_model_cfg']`` (written by ``ModelCfgMetaHook``); else reads ``model`` (and
    the top-level ``data_preprocessor``) from ``meta['cfg']`` with :func:`literal_config`.
    """
    stored = meta.get('mmkd_model_cfg')
    if isinstance(stored, dict):
        return plain_data(stored), "meta['mmkd_model_cfg']"
    text = meta.get('cfg')
    if not isinstance(text, str):
        return None, None
    parsed = literal_config(text)
    model: Optional[dict] = parsed.get('model')
    if not isinstance(model, dict):
        return None, None
    if isinstance(parsed.get('data_preprocessor'), dict):
        model.setdefault('data_preprocessor', parsed['data_preprocessor'])
    return model, "meta['cfg'] (read as data, not executed)"
