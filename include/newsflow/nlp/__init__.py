"""Entities, canonical names and near-duplicate stories."""
