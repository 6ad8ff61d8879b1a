"""train: labelled catalog photos -> a fine-tuned classifier artifact, metrics and plots."""
