"""Tests of coaching: the API and its state machine."""
