"""Tests of nudges: the rules, the inbox and preferences, and delivery by Web Push."""
