"""The record of every change: change sets in words, undo and redo."""
