"""Tests of coach-the-coach notes: a director to one of their managers."""
