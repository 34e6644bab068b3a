"""Controllers: plain classes (no Textual) that call services and return view-models."""
