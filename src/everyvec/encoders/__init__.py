"""Contextual encoders: pretrained transformers (BERT family) as text → vector functions."""
