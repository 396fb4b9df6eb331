"""The examples in the text modules' docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["everyvec.text", "everyvec.text.clean", "everyvec.text.corpus",
           "everyvec.text.stopwords", "everyvec.text.tokenize"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
