from .distill_constructor import DistillOptimWrapperConstructor
from .multi_constructor import MultiOptimWrapperConstructor

__all__ = ['DistillOptimWrapperConstructor', 'MultiOptimWrapperConstructor']
