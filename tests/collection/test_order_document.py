"""The payment order's PDF pieces: the amount in words as a cheque writes it."""

from decimal import Decimal as D

import pytest

from collection.documents import rmb_uppercase


@pytest.mark.parametrize("amount,words", [
    ("0.00", "人民币零元整"), ("0.50", "人民币伍角整"), ("0.05", "人民币伍分"), ("1.00", "人民币壹元整"),
    ("10.00", "人民币壹拾元整"), ("101.00", "人民币壹佰零壹元整"), ("1001.01", "人民币壹仟零壹元零壹分"),
    ("3854.66", "人民币叁仟捌佰伍拾肆元陆角陆分"), ("100000.00", "人民币壹拾万元整"),
    ("100100.10", "人民币壹拾万零壹佰元壹角整"), ("10000001.00", "人民币壹仟万零壹元整"),
    ("120000000.00", "人民币壹亿贰仟万元整"), ("100000000.02", "人民币壹亿元零贰分"),
    ("9999999999.99", "人民币玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
])
def test_amounts_in_words(amount, words):
    assert rmb_uppercase(D(amount)) == words
