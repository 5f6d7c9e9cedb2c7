"""Coach the coach: a director's short notes to their managers on how they coach."""
