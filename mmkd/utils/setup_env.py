from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every mmkd module so it is registered, and optionally make 'mmkd' the default scope."""
    import mmkd.datasets  # noqa: F401
    import mmkd.engine  # noqa: F401
    import mmkd.evaluation  # noqa: F401
    import mmkd.models  # noqa: F401

    if init_default_scope:
        if DefaultScope.get_current_instance() is None or not DefaultScope.check_instance_created('mmkd'):
            DefaultScope.get_instance('mmkd', scope_name='mmkd')
