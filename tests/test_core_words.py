"""The project's one a/an rule (xlflows.core.words.article), as a table of spoken numbers."""

from __future__ import annotations

import pytest

from xlflows.core.flows import rolling
from xlflows.core.words import article
from xlflows.errors import InputError


@pytest.mark.parametrize("n, expected", [
    (1, "a"), (3, "a"), (7, "a"), (8, "an"), (9, "a"), (10, "a"), (11, "an"), (12, "a"),
    (18, "an"), (19, "a"), (80, "an"), (88, "an"), (100, "a"), (110, "a"), (111, "a"),
    (118, "a"), (180, "a"), (800, "an"), (1_000, "a"), (1_100, "a"), (1_800, "a"),
    (8_000, "an"), (11_000, "an"), (18_000, "an"), (80_000, "an"), (110_000, "a"),
    (180_000, "a"), (800_000, "an"), (11_000_000, "an"), (18_500_000, "an"),
    (118_000_000, "a"), (0, "a"), (-8, "an"), (-11_000, "an"),
], ids=lambda v: str(v))
def test_article_follows_the_leading_group_of_three_digits(n, expected):
    """ "an eleven thousand", "a hundred and ten thousand", "an eight hundred"."""
    assert article(n) == expected


def test_flows_messages_use_the_one_rule():
    with pytest.raises(InputError, match=r"for an 11-week rolling sum$"):
        rolling([1.0, 2.0], 11)
    with pytest.raises(InputError, match=r"for a 110-week rolling sum$"):
        rolling([1.0, 2.0], 110)
    with pytest.raises(InputError, match=r"for an 11000-week rolling sum$"):
        rolling([1.0, 2.0], 11_000)
