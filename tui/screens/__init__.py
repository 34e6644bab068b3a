"""Screens (views): they lay out and render, and forward their actions to a controller."""
