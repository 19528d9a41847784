"""A small Python SDK for KRM functions, in the spirit of kyaml's ``fn/framework`` and kpt's Go ``fn`` package.

Nothing in this package knows about seq-fn: it reads and writes ResourceLists, loads and validates a
functionConfig against a JSON Schema, matches selectors and collects results. Another function can reuse it
by writing a processor (a callable that takes a :class:`~krm_fn.sdk.resourcelist.ResourceList`) and calling
:func:`krm_fn.sdk.runner.run`.
"""
