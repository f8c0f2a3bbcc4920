"""Pusher with atomic, never-overwritten model versions."""
