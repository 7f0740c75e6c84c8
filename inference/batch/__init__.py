"""Batch labelling of article dumps: ``conflict-tag``, its readers, writers, output records and sharding."""
