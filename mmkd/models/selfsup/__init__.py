from .moco_lightly import LightlyMoCo, backbone_out_channels

__all__ = ['LightlyMoCo', 'backbone_out_channels']
