"""Tests of the service simulator."""
