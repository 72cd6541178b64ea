"""SQL views of the warehouse (staging → marts → flags), one view per file."""
