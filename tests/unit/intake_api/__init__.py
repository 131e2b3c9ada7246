"""Intake API pieces without fixtures: error translation, spreadsheets, import rows, body limits."""
