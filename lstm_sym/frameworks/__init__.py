"""PyTorch and Keras: their parameter layouts and their parameter files (``.pt``, ``.npz``),
read as exact numbers. Imports ``spec`` and the shared vocabulary; never the later stages."""
