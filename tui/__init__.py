"""The terminal user interface: Textual views (screens), controllers, and the CLI."""
