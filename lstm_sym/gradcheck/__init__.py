"""Certified gradient checks of live PyTorch modules and Keras layers (docs/frameworks-check.md)."""

from .check import gradcheck
from .report import GradcheckReport, TensorCheck

__all__ = ["GradcheckReport", "TensorCheck", "gradcheck"]
