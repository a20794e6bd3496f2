"""The vector (NumPy) emitter: buffers, storage, in-place kernels, the forward and backward
passes over stacked arrays."""
