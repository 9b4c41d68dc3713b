"""Tools on the current network: gradient check, learning-rate finder, inference."""
