"""Request and response models per resource: XCreate / XUpdate / XRead (unknown fields refused)."""
