"""Certified gradient checks of live PyTorch recurrent modules (docs/frameworks-check.md)."""

from .check import gradcheck
from .report import GradcheckReport, TensorCheck

__all__ = ["GradcheckReport", "TensorCheck", "gradcheck"]
