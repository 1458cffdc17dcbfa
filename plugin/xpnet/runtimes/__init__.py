"""How client runtimes decide between the proxy and a direct connection."""
