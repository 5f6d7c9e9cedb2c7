"""Tests of the ride-along day: its service, pages and API."""
