"""cragcat: turn the photo piles of climbing guidebook sites into an organised catalog."""

__version__ = "0.1.0"
