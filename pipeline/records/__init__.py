"""What runs recorded, read back from ML Metadata and the artifacts it points to."""
