"""Tests of the pure cleanup planner."""
