"""Stage 3, DERIVE: once per cell × loss, independent of T.

``adjoint`` derives a step's backward equations by reverse accumulation; ``template`` builds
the step templates a problem needs; ``program`` is the named straight-line program, a view
over the templates unrolled in time. Imports ``spec``, ``problem`` and the shared vocabulary.
"""
