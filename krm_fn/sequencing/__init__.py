"""seq-fn's own logic: plan how each workload's containers are ordered, then apply one strategy to its pod spec.

Modules, in the order data flows: :mod:`config` (the functionConfig), :mod:`workloads` (which kinds carry pod
specs, where, and with which intent), :mod:`directives` (what a workload asks for through annotations), :mod:`ordering`
(order and DAG), :mod:`planning` (one :class:`~krm_fn.sequencing.planning.Plan` per pod spec),
:mod:`strategies` (one module per strategy), :mod:`transformer` (the processor that ties them together).
Everything but :mod:`transformer` works on plain mappings and never does I/O.
"""
