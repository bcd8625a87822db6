"""Test doubles that speak real wire protocols (the scripted model server)."""
