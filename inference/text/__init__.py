"""Text the model reads: normalising, sentences, token windows and their padding."""
