"""Locale-aware formatting (Babel); the UI text catalogue arrives with the languages issue."""
