"""Using a pushed model: predictions through its serving signature."""
