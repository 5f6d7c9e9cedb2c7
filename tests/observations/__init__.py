"""Tests of observations across reporting lines."""
