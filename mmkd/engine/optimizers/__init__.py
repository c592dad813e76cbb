from .distill_constructor import DistillOptimWrapperConstructor

__all__ = ['DistillOptimWrapperConstructor']
