"""The catalogue fixtures live in tests/programmes/fixtures.py (a plugin of the root conftest, so every
test tree can use them); these names stay importable from here for the programmes tests."""

from tests.programmes.fixtures import TODAY, make_call

__all__ = ["TODAY", "make_call"]
