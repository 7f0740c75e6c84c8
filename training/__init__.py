"""Training side of conflict-events: dataset converters, configs and the fine-tuning loop."""
