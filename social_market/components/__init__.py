"""Reusable UI pieces: the page shell, avatars, form fields."""
