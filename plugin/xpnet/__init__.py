"""xpnet: correct, consistent HTTP(S) proxy settings for Crossplane installs."""

__version__ = "0.1.0"
