"""The bottom of the import graph: errors, settings, layer declarations and shared formatting (imports nothing of ours)."""
