"""The trained network and its folder: config, heads, loading, int8 quantisation."""
