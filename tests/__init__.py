"""Tests of LCARS."""
