"""The vector (NumPy) emitter: a context shared by the forward, loss and backward emitters,
buffers, storage, in-place kernels, code over whole histories."""
