"""Test support: a pytest plugin (fixtures) and factories, reusable by course packages."""
