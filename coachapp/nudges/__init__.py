"""Nudges: rules, the notification outbox and Web Push delivery."""
