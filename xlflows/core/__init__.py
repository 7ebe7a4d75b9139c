"""Pure pandas/numpy analytics: no Excel, no xlwings.

Functions take clean, sorted, date-indexed Series (flows in $bn, positive = inflow; levels such as
policy rates in percent or fund assets in $bn) and are named for the flow-note sentence they answer.
"""
