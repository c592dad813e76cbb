"""The check of a setting that takes one of a few named values."""

from typing import Any, Iterable, Optional


def check_choice(name: str, value: Any, choices: Iterable, owner: Optional[str] = None) -> None:
    """Raise a ValueError naming the setting, its value and the valid values when ``value`` is not one of them.

    Args:
        name (str): the setting, as the config writes it (``'kl_p_scope'``).
        value: its value.
        choices (Iterable): the valid values (a dict's keys count).
        owner (str, optional): the class the setting belongs to, put before the message.
    """
    choices = list(choices)
    if value not in choices:
        prefix = f'{owner}: ' if owner else ''
        raise ValueError(f'{prefix}{name}={value!r} is not one of {choices}')
