"""Stage 3, DERIVE: once per cell × loss, independent of T.

``adjoint`` derives a step's backward equations by reverse accumulation; ``template`` builds
the step templates a problem needs; ``naming`` holds the rules that turn template names into
program names and back; ``program`` is the named straight-line program, a view over the
templates unrolled in time (``matrices`` writes its vector view, ``closed_form`` substitutes
it back). Imports ``spec``, ``problem`` and the shared vocabulary.
"""
