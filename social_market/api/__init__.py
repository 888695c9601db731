"""HTTP routes beside the Reflex event socket (cookies need real HTTP responses)."""
