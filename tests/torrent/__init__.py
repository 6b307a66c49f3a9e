"""Tests of the BitTorrent engine."""
